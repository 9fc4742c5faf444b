import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../errors.ts';
import type { ApiKeyStore, ClauseStore, PracticeStore } from '../../ports.ts';
import type { ApiKeyListing, ApiKeyRecord, ConsentClause, Practice } from '../../records.ts';
import { roles, type Role } from '../../routes.ts';
import { queryPages } from './query-pages.ts';
import { attr, indexNames } from './tables.ts';
import { cancellationReasons, storage } from './errors.ts';
import type { AuditLog } from './audit-log.ts';

/** Drops the storage-only key attributes from an item read back. */
export function stripKeys<T>(item: Record<string, unknown>): T {
  const { [attr.pk]: _pk, [attr.sk]: _sk, [attr.gsi1pk]: _g1, [attr.gsi1sk]: _g2, [attr.gsi2pk]: _g3, [attr.gsi2sk]: _g4, [attr.ttl]: _ttl, ...rest } = item;
  return rest as T;
}

const practiceSk = 'PRACTICE';
export const practiceKey = (practiceId: string) => ({ [attr.pk]: `PRACTICE#${practiceId}`, [attr.sk]: practiceSk });

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
    list: async () => {
      // The by-kind index, `sk = PRACTICE`: sorted by practice id, which sorts by creation.
      const items = queryPages(client, {
        TableName: table,
        IndexName: indexNames.byKind,
        KeyConditionExpression: '#kind = :kind',
        ExpressionAttributeNames: { '#kind': attr.sk },
        ExpressionAttributeValues: { ':kind': practiceSk },
      });
      const out: Practice[] = [];
      for await (const item of items) {
        out.push({
          practiceId: item[attr.practiceId] as string,
          name: item.name as string,
          region: item.region as string,
          createdAt: item.createdAt as string,
        });
      }
      return out;
    },
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
    list: async ({ practiceId }) => {
      // Admin and auditor keys belong to no practice: a practice's keys are its practice and reviewer keys.
      const wanted = practiceId === undefined ? roles : roles.filter((role) => role === 'practice' || role === 'reviewer');
      const perRole = await Promise.all(wanted.map((role) => listKeys(client, table, role, practiceId)));
      return perRole.flat().sort((a, b) => a.keyId.localeCompare(b.keyId));
    },
    describe: async (keyId, role) => {
      const found = await listKeys(client, table, role, undefined, keyId);
      return found[0];
    },
  };
}

/**
 * Keys of one role from the keys-by-role index (which holds no secret hash), oldest first
 * (key ids sort by creation); only those of `practiceId`, or only `keyId`, when given.
 */
async function listKeys(client: DynamoDBDocumentClient, table: string, role: Role, practiceId?: string, keyId?: string): Promise<ApiKeyListing[]> {
  const items = queryPages(client, {
    TableName: table,
    IndexName: indexNames.keysByRole,
    KeyConditionExpression: keyId === undefined ? '#role = :role' : '#role = :role AND #keyId = :keyId',
    ...(practiceId === undefined ? {} : { FilterExpression: '#practice = :practice' }),
    ExpressionAttributeNames: {
      '#role': attr.role,
      ...(keyId === undefined ? {} : { '#keyId': attr.keyId }),
      ...(practiceId === undefined ? {} : { '#practice': attr.practiceId }),
    },
    ExpressionAttributeValues: {
      ':role': role,
      ...(keyId === undefined ? {} : { ':keyId': keyId }),
      ...(practiceId === undefined ? {} : { ':practice': practiceId }),
    },
  });
  const out: ApiKeyListing[] = [];
  for await (const item of items) {
    // Named field by field: whatever else an item might carry never leaves here.
    out.push({
      keyId: item[attr.keyId] as string,
      role: item[attr.role] as Role,
      practiceId: item[attr.practiceId] as string | undefined,
      label: item.label as string,
      createdAt: item.createdAt as string,
      revokedAt: item.revokedAt as string | undefined,
    });
  }
  return out;
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
        if (failedCondition(error, 0))
          throw new ConflictError('This clause version was just published by someone else; publish again to make the next version.');
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
