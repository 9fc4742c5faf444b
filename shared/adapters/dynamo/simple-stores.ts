import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../errors.ts';
import type { ApiKeyRecord, ApiKeyStore, ClauseStore, ConsentClause, Practice, PracticeStore } from '../../ports.ts';
import { attr } from './tables.ts';
import { isConditionalCheckFailure, storage } from './errors.ts';

/** Drops the storage-only key attributes from an item read back. */
export function stripKeys<T>(item: Record<string, unknown>): T {
  const { [attr.pk]: _pk, [attr.sk]: _sk, [attr.gsi1pk]: _g1, [attr.gsi1sk]: _g2, [attr.ttl]: _ttl, ...rest } = item;
  return rest as T;
}

export const practiceKey = (practiceId: string) => ({ [attr.pk]: `PRACTICE#${practiceId}`, [attr.sk]: 'PRACTICE' });

export function buildPracticeStore(client: DynamoDBDocumentClient, table: string): PracticeStore {
  return {
    create: (practice: Practice) =>
      storage(async () => {
        await client.send(new PutCommand({ TableName: table, Item: { ...practiceKey(practice.practiceId), ...practice } }));
      }),
    get: (practiceId) =>
      storage(async () => {
        const { Item } = await client.send(new GetCommand({ TableName: table, Key: practiceKey(practiceId) }));
        return Item ? stripKeys<Practice>(Item) : undefined;
      }),
  };
}

export function buildApiKeyStore(client: DynamoDBDocumentClient, table: string): ApiKeyStore {
  return {
    create: (record: ApiKeyRecord) =>
      storage(async () => {
        await client.send(new PutCommand({ TableName: table, Item: record, ConditionExpression: 'attribute_not_exists(#k)', ExpressionAttributeNames: { '#k': attr.keyId } }));
      }),
    get: (keyId) =>
      storage(async () => {
        // Consistent read: a revocation takes effect on the very next request.
        const { Item } = await client.send(new GetCommand({ TableName: table, Key: { [attr.keyId]: keyId }, ConsistentRead: true }));
        return Item as ApiKeyRecord | undefined;
      }),
    revoke: (keyId, at) =>
      storage(async () => {
        try {
          await client.send(
            new UpdateCommand({
              TableName: table,
              Key: { [attr.keyId]: keyId },
              UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
              ConditionExpression: 'attribute_exists(#k)',
              ExpressionAttributeNames: { '#k': attr.keyId },
              ExpressionAttributeValues: { ':at': at },
            }),
          );
          return true;
        } catch (error) {
          if (isConditionalCheckFailure(error)) return false;
          throw error;
        }
      }),
  };
}

const clausesPk = 'CLAUSES';
const clauseSk = (clauseId: string, version: number) => `${clauseId}#${String(version).padStart(7, '0')}`;

export function buildClauseStore(client: DynamoDBDocumentClient, table: string): ClauseStore {
  return {
    put: (clause: ConsentClause) =>
      storage(async () => {
        try {
          await client.send(
            new PutCommand({
              TableName: table,
              Item: { [attr.pk]: clausesPk, [attr.sk]: clauseSk(clause.clauseId, clause.version), ...clause },
              ConditionExpression: 'attribute_not_exists(#pk)',
              ExpressionAttributeNames: { '#pk': attr.pk },
            }),
          );
        } catch (error) {
          if (isConditionalCheckFailure(error)) throw new ConflictError('This clause version was just published by someone else; publish again to make the next version.');
          throw error;
        }
      }),
    get: (clauseId, version) =>
      storage(async () => {
        const { Item } = await client.send(new GetCommand({ TableName: table, Key: { [attr.pk]: clausesPk, [attr.sk]: clauseSk(clauseId, version) } }));
        return Item ? stripKeys<ConsentClause>(Item) : undefined;
      }),
    list: () =>
      storage(async () => {
        const out: ConsentClause[] = [];
        let start: Record<string, unknown> | undefined;
        do {
          const page = await client.send(
            new QueryCommand({
              TableName: table,
              KeyConditionExpression: '#pk = :pk',
              ExpressionAttributeNames: { '#pk': attr.pk },
              ExpressionAttributeValues: { ':pk': clausesPk },
              ExclusiveStartKey: start,
            }),
          );
          for (const item of page.Items ?? []) out.push(stripKeys<ConsentClause>(item));
          start = page.LastEvaluatedKey;
        } while (start);
        return out;
      }),
  };
}
