import { BatchGetCommand, DeleteCommand, GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DependencyUnavailableError } from '../../errors.ts';
import { epochSeconds } from '../../dates.ts';
import { StaleAlertError, type AlertStore, type IndexChange, type TokenIndex } from '../../ports.ts';
import type { AlertRecord, AlertSummary, IdempotencyRecord, IndexedAlert } from '../../records.ts';
import { tallyUpdates } from './network-figures.ts';
import { alertMoves } from '../../stats/counters.ts';
import { batchGetAll } from './batch-get.ts';
import { queryPages } from './query-pages.ts';
import { attr, indexNames } from './tables.ts';
import { cancellationReasons, isConditionalCheckFailure, storage, translated } from './errors.ts';
import { stripKeys } from './simple-stores.ts';
import type { AuditLog } from './audit-log.ts';
import { readStoredAlert } from '../../alerts/stored-form.ts';

const idempotencyKey = (practiceId: string, key: string) => ({ [attr.pk]: `IDEMPOTENCY#${practiceId}#${key}`, [attr.sk]: 'IDEMPOTENCY' });
const alertSk = 'ALERT';
const alertKey = (alertId: string) => ({ [attr.pk]: `ALERT#${alertId}`, [attr.sk]: alertSk });
/** A reviewer's decision, listed under their key: `DECIDED#<keyId>` / `<decidedAt>#<alertId>`. */
const decidedKey = (keyId: string, decidedAt: string, alertId: string) => ({ [attr.pk]: `DECIDED#${keyId}`, [attr.sk]: `${decidedAt}#${alertId}` });
const pendingPk = 'PENDING_REVIEW';
const publishedPk = 'PUBLISHED';
/** Rejected and retracted alerts still holding tokens, by when those are due for removal (the same sparse index). */
const tokensDuePk = 'TOKENS_DUE';
/** The token index attribute holding one alert's entry. */
const indexEntryName = (alertId: string) => `${attr.indexEntryPrefix}${alertId}`;

/**
 * Alerts under review carry the sparse GSI keys that make the review queue one Query; published
 * ones those that let the expiry sweep find them by expiresAt; rejected and retracted ones that
 * still hold tokens those that let the retention sweep find them by tokensRemovableAt.
 */
function alertItem(alert: AlertRecord): Record<string, unknown> {
  const pending = alert.status === 'pending_review' ? { [attr.gsi1pk]: pendingPk, [attr.gsi1sk]: `${alert.submittedAt}#${alert.alertId}` } : {};
  const published = alert.status === 'published' && alert.expiresAt ? { [attr.gsi2pk]: publishedPk, [attr.gsi2sk]: `${alert.expiresAt}#${alert.alertId}` } : {};
  const tokensDue =
    (alert.status === 'rejected' || alert.status === 'retracted') && alert.tokensRemovableAt && alert.tokens.length > 0
      ? { [attr.gsi2pk]: tokensDuePk, [attr.gsi2sk]: `${alert.tokensRemovableAt}#${alert.alertId}` }
      : {};
  return { ...alertKey(alert.alertId), ...pending, ...published, ...tokensDue, ...alert };
}

/**
 * Alerts live in the main table; their published tokens in the token index. Every change of
 * status that affects matching writes both in one transaction, so an alert is never published
 * without its index entries nor retracted with them left behind.
 */
export function buildAlertStore(client: DynamoDBDocumentClient, tables: { main: string; tokens: string }, auditLog: AuditLog): AlertStore {
  return {
    get: (alertId) =>
      storage(async () => {
        const { Item } = await client.send(new GetCommand({ TableName: tables.main, Key: alertKey(alertId), ConsistentRead: true }));
        return Item ? readStoredAlert(stripKeys<AlertRecord>(Item)) : undefined;
      }),

    create: async (alert, idempotency, audit) => {
      const putAlert = {
        TableName: tables.main,
        Item: alertItem(alert),
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': attr.pk },
      };
      // The network's alert counts move in the same transaction (last, so the items' reasons keep their indexes).
      const counted = tallyUpdates(tables.main, alertMoves(undefined, alert, audit.now), audit.now);
      if (!idempotency) {
        await auditLog.transact([{ Put: putAlert }, ...counted], audit);
        return { created: true } as const;
      }
      // The request's own instant (its clock), not this machine's: a record older than its 24 h is replaceable.
      const nowSeconds = epochSeconds(new Date(alert.submittedAt));
      const putIdempotency = {
        TableName: tables.main,
        Item: { ...idempotencyKey(idempotency.practiceId, idempotency.key), ...idempotency, [attr.ttl]: epochSeconds(new Date(idempotency.expiresAt)) },
        // A stale record (past its 24 h) may be replaced even before TTL deletes it.
        ConditionExpression: 'attribute_not_exists(#pk) OR #ttl < :now',
        ExpressionAttributeNames: { '#pk': attr.pk, '#ttl': attr.ttl },
        ExpressionAttributeValues: { ':now': nowSeconds },
      };
      try {
        await auditLog.transact([{ Put: putAlert }, { Put: putIdempotency }, ...counted], audit);
        return { created: true } as const;
      } catch (error) {
        if (cancellationReasons(error)?.[1] === 'ConditionalCheckFailed') {
          const { Item } = await storage(() =>
            client.send(new GetCommand({ TableName: tables.main, Key: idempotencyKey(idempotency.practiceId, idempotency.key), ConsistentRead: true })),
          );
          if (Item) return { created: false, existing: stripKeys<IdempotencyRecord>(Item) } as const;
          // It was there a moment ago and has been replaced or removed since: let the client retry.
          throw new DependencyUnavailableError('The same submission is being stored by another request; retry shortly.', 1, { cause: error });
        }
        throw translated(error);
      }
    },

    getIdempotency: (practiceId, key, now) =>
      storage(async () => {
        const { Item } = await client.send(new GetCommand({ TableName: tables.main, Key: idempotencyKey(practiceId, key), ConsistentRead: true }));
        if (!Item) return undefined;
        const record = stripKeys<IdempotencyRecord>(Item);
        // DynamoDB's TTL deletes late (locally never): the expiry is checked on every read.
        return Date.parse(record.expiresAt) > now.getTime() ? record : undefined;
      }),

    update: async (alert, expectedVersion, change, audit, facts) => {
      const putAlert = {
        TableName: tables.main,
        Item: alertItem(alert),
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': expectedVersion },
      };
      try {
        // The status counts and the statistics' alert events (shared/stats/counters.ts).
        const counted = facts ? tallyUpdates(tables.main, alertMoves(facts.previousStatus, alert, audit.now), audit.now) : [];
        const decided = facts?.decision
          ? {
              Put: {
                TableName: tables.main,
                Item: {
                  ...decidedKey(facts.decision.reviewerKeyId, facts.decision.decidedAt, alert.alertId),
                  alertId: alert.alertId,
                  decidedAt: facts.decision.decidedAt,
                },
              },
            }
          : undefined;
        const extra = [...counted, decided].filter((item) => item !== undefined);
        await auditLog.transact([{ Put: putAlert }, ...tokenIndexWrites(tables.tokens, alert, change), ...extra], audit);
      } catch (error) {
        // The audit log retries races itself; a failed version condition means another request wrote first.
        if (cancellationReasons(error)?.[0] === 'ConditionalCheckFailed') throw new StaleAlertError(alert.alertId);
        throw translated(error);
      }
    },

    pendingReview: (pageSize = 100) =>
      queryAlerts(client, { TableName: tables.main, IndexName: indexNames.pendingReview, pk: [attr.gsi1pk, pendingPk], pageSize }),

    publishedExpiringBy: (instant, pageSize = 100) =>
      queryAlerts(client, {
        TableName: tables.main,
        IndexName: indexNames.publishedByExpiry,
        pk: [attr.gsi2pk, publishedPk],
        // `~` sorts after every character of an alert id, so alerts expiring exactly at `instant` are included.
        sk: [attr.gsi2sk, `${instant}#~`],
        pageSize,
      }),

    summaries: async ({ practiceId }) => {
      const items = queryPages(client, {
        TableName: tables.main,
        IndexName: indexNames.byKind,
        KeyConditionExpression: practiceId === undefined ? '#kind = :kind' : '#kind = :kind AND #practice = :practice',
        ExpressionAttributeNames: { '#kind': attr.sk, ...(practiceId === undefined ? {} : { '#practice': attr.practiceId }) },
        ExpressionAttributeValues: { ':kind': alertSk, ...(practiceId === undefined ? {} : { ':practice': practiceId }) },
      });
      const out: AlertSummary[] = [];
      for await (const item of items) {
        out.push({
          alertId: item.alertId as string,
          practiceId: item[attr.practiceId] as string,
          status: item.status as AlertSummary['status'],
          submittedAt: item.submittedAt as string,
          expiresAt: item.expiresAt as string | undefined,
        });
      }
      return out;
    },

    getMany: (alertIds) => readAlerts(client, tables.main, alertIds),

    decidedBy: async (reviewerKeyId, limit) => {
      const { Items } = await storage(() =>
        client.send(
          new QueryCommand({
            TableName: tables.main,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': attr.pk },
            ExpressionAttributeValues: { ':pk': `DECIDED#${reviewerKeyId}` },
            ScanIndexForward: false,
            Limit: limit,
          }),
        ),
      );
      return readAlerts(
        client,
        tables.main,
        (Items ?? []).map((item) => item.alertId as string),
      );
    },

    tokensRemovableBy: (instant, pageSize = 100) =>
      queryAlerts(client, {
        TableName: tables.main,
        IndexName: indexNames.publishedByExpiry,
        pk: [attr.gsi2pk, tokensDuePk],
        sk: [attr.gsi2sk, `${instant}#~`],
        pageSize,
      }),
  };
}

/** Whole alerts by id, in the order asked (consistent reads: a list shows each alert as it is now). */
async function readAlerts(client: DynamoDBDocumentClient, table: string, alertIds: readonly string[]): Promise<AlertRecord[]> {
  const items = await batchGetAll(client, table, [...new Set(alertIds)].map(alertKey), { consistent: true });
  const byId = new Map(items.map((item) => [item.alertId as string, stripKeys<AlertRecord>(item)]));
  return alertIds.flatMap((alertId) => (byId.has(alertId) ? [byId.get(alertId)!] : []));
}

/** Alerts from a sparse GSI, oldest key first, page by page as the caller iterates. */
async function* queryAlerts(
  client: DynamoDBDocumentClient,
  query: { TableName: string; IndexName: string; pk: [string, string]; sk?: [string, string]; pageSize: number },
): AsyncIterable<AlertRecord> {
  const items = queryPages(client, {
    TableName: query.TableName,
    IndexName: query.IndexName,
    KeyConditionExpression: query.sk ? '#g = :g AND #s <= :s' : '#g = :g',
    ExpressionAttributeNames: { '#g': query.pk[0], ...(query.sk ? { '#s': query.sk[0] } : {}) },
    ExpressionAttributeValues: { ':g': query.pk[1], ...(query.sk ? { ':s': query.sk[1] } : {}) },
    ScanIndexForward: true,
    Limit: query.pageSize,
  });
  for await (const item of items) yield readStoredAlert(stripKeys<AlertRecord>(item));
}

/**
 * Every change of a token item also adds one to its revision (`rev`), so that pruning an item
 * that looks empty can be conditional on nobody having changed it since it was read.
 */
function tokenIndexWrites(table: string, alert: AlertRecord, change: IndexChange) {
  if (!change) return [];
  const names = { '#entry': indexEntryName(alert.alertId), '#rev': attr.tokenRevision };
  if ('publish' in change) {
    return alert.tokens.map(({ token, kind }) => ({
      Update: {
        TableName: table,
        Key: { [attr.token]: token },
        UpdateExpression: 'SET #entry = :entry, #kind = :kind ADD #rev :one',
        ExpressionAttributeNames: { ...names, '#kind': 'kind' },
        ExpressionAttributeValues: { ':entry': change.publish, ':kind': kind, ':one': 1 },
      },
    }));
  }
  return alert.tokens.map(({ token }) => ({
    Update: {
      TableName: table,
      Key: { [attr.token]: token },
      UpdateExpression: 'REMOVE #entry ADD #rev :one',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':one': 1 },
    },
  }));
}

const maxBatchAttempts = 5;
/** BatchGetItem's limit on keys per call. */
const batchGetLimit = 100;

/**
 * Reads every token of a check (or of a whole batch of bookings) with as few BatchGetItem calls
 * as the 100-key limit allows, concurrently, retrying only keys DynamoDB left unprocessed.
 */
export function buildTokenIndex(client: DynamoDBDocumentClient, table: string): TokenIndex {
  const readChunk = async (tokens: readonly string[], found: Map<string, IndexedAlert[]>) => {
    let keys: Record<string, unknown>[] = tokens.map((token) => ({ [attr.token]: token }));
    for (let attempt = 1; keys.length > 0; attempt += 1) {
      if (attempt > maxBatchAttempts) throw new DependencyUnavailableError('The database is busy; retry shortly.', 2);
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
      const result = await client.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: keys } } }));
      for (const item of result.Responses?.[table] ?? []) {
        const entries = Object.entries(item)
          .filter(([name]) => name.startsWith(attr.indexEntryPrefix))
          .map(([, entry]) => entry as IndexedAlert);
        found.set(item[attr.token] as string, entries);
      }
      keys = (result.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    }
  };
  return {
    lookup: (tokens) =>
      storage(async () => {
        const found = new Map<string, IndexedAlert[]>();
        const distinct = [...new Set(tokens)];
        const chunks: string[][] = [];
        for (let i = 0; i < distinct.length; i += batchGetLimit) chunks.push(distinct.slice(i, i + batchGetLimit));
        await Promise.all(chunks.map((chunk) => readChunk(chunk, found)));
        return found;
      }),

    prune: (tokens) =>
      storage(async () => {
        let deleted = 0;
        for (const token of new Set(tokens)) {
          const { Item } = await client.send(new GetCommand({ TableName: table, Key: { [attr.token]: token }, ConsistentRead: true }));
          if (!Item || Object.keys(Item).some((name) => name.startsWith(attr.indexEntryPrefix))) continue;
          const rev = Item[attr.tokenRevision] as number | undefined;
          try {
            await client.send(
              new DeleteCommand({
                TableName: table,
                Key: { [attr.token]: token },
                ConditionExpression: rev === undefined ? 'attribute_not_exists(#rev)' : '#rev = :rev',
                ExpressionAttributeNames: { '#rev': attr.tokenRevision },
                ...(rev === undefined ? {} : { ExpressionAttributeValues: { ':rev': rev } }),
              }),
            );
            deleted += 1;
          } catch (error) {
            // Someone published under this token since it was read: it is not empty any more.
            if (!isConditionalCheckFailure(error)) throw error;
          }
        }
        return deleted;
      }),
  };
}
