import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../errors.ts';
import type { ApiKeyStore, ClauseStore, PracticeStore } from '../../ports.ts';
import type { ApiKeyRecord, ConsentClause, Practice } from '../../records.ts';
import { queryPages } from './query-pages.ts';
import { attr } from './tables.ts';
import { cancellationReasons, storage } from './errors.ts';
import type { AuditLog } from './audit-log.ts';

/** Drops the storage-only key attributes from an item read back. */
export function stripKeys<T>(item: Record<string, unknown>): T {
  const { [attr.pk]: _pk, [attr.sk]: _sk, [attr.gsi1pk]: _g1, [attr.gsi1sk]: _g2, [attr.gsi2pk]: _g3, [attr.gsi2sk]: _g4, [attr.ttl]: _ttl, ...rest } = item;
  return rest as T;
}

export const practiceKey = (practiceId: string) => ({ [attr.pk]: `PRACTICE#${practiceId}`, [attr.sk]: 'PRACTICE' });

/** True when the transaction was cancelled by the condition of its item at `index`. */
const failedCondition = (error: unknown, index: number) => cancellationReasons(error)?.[index] === 'ConditionalCheckFailed';

export function buildPracticeStore(client: DynamoDBDocumentClient, table: string, audit: AuditLog): PracticeStore {
  return {
    create: async (practice: Practice, batch) => {
      await audit.transact([{ Put: { TableName: table, Item: { ...practiceKey(practice.practiceId), ...practice } } }], batch);
    },
    get: (practiceId) =>
      storage(async () => {
        const { Item } = await client.send(new GetCommand({ TableName: table, Key: practiceKey(practiceId) }));
        return Item ? stripKeys<Practice>(Item) : undefined;
      }),
  };
}

export function buildApiKeyStore(client: DynamoDBDocumentClient, table: string, audit: AuditLog): ApiKeyStore {
  return {
    create: async (record: ApiKeyRecord, batch) => {
      const put = { TableName: table, Item: record, ConditionExpression: 'attribute_not_exists(#k)', ExpressionAttributeNames: { '#k': attr.keyId } };
      await audit.transact([{ Put: put }], batch);
    },
    get: (keyId) =>
      storage(async () => {
        // Consistent read: a revocation takes effect on the very next request.
        const { Item } = await client.send(new GetCommand({ TableName: table, Key: { [attr.keyId]: keyId }, ConsistentRead: true }));
        return Item as ApiKeyRecord | undefined;
      }),
    revoke: async (keyId, at, batch) => {
      const update = {
        TableName: table,
        Key: { [attr.keyId]: keyId },
        UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
        ConditionExpression: 'attribute_exists(#k)',
        ExpressionAttributeNames: { '#k': attr.keyId },
        ExpressionAttributeValues: { ':at': at },
      };
      try {
        await audit.transact([{ Update: update }], batch);
        return true;
      } catch (error) {
        if (failedCondition(error, 0)) return false;
        throw error;
      }
    },
  };
}

const clausesPk = 'CLAUSES';
const clauseSk = (clauseId: string, version: number) => `${clauseId}#${String(version).padStart(7, '0')}`;

export function buildClauseStore(client: DynamoDBDocumentClient, table: string, audit: AuditLog): ClauseStore {
  return {
    put: async (clause: ConsentClause, batch) => {
      const put = {
        TableName: table,
        Item: { [attr.pk]: clausesPk, [attr.sk]: clauseSk(clause.clauseId, clause.version), ...clause },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': attr.pk },
      };
      try {
        await audit.transact([{ Put: put }], batch);
      } catch (error) {
        if (failedCondition(error, 0)) throw new ConflictError('This clause version was just published by someone else; publish again to make the next version.');
        throw error;
      }
    },
    get: (clauseId, version) =>
      storage(async () => {
        const { Item } = await client.send(new GetCommand({ TableName: table, Key: { [attr.pk]: clausesPk, [attr.sk]: clauseSk(clauseId, version) } }));
        return Item ? stripKeys<ConsentClause>(Item) : undefined;
      }),
    list: async () => {
      const out: ConsentClause[] = [];
      const items = queryPages(client, {
        TableName: table,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': attr.pk },
        ExpressionAttributeValues: { ':pk': clausesPk },
      });
      for await (const item of items) out.push(stripKeys<ConsentClause>(item));
      return out;
    },
  };
}
