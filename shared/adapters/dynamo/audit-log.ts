import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { chainEntries } from '../../audit/chain.ts';
import { DependencyUnavailableError } from '../../errors.ts';
import type { AuditAppender, AuditBatch, AuditEntry, AuditReader } from '../../ports.ts';
import { attr, indexNames } from './tables.ts';
import { cancellationReasons, isConditionalCheckFailure, storage, translated } from './errors.ts';

/** The document client's transaction item (plain JS values instead of attribute values). */
export type DocumentTransactItem = { [K in keyof TransactWriteItem]?: Record<string, unknown> };

/** The one chain all entries belong to (the partition key of every audit item). */
const chainName = 'main';
const seqWidth = 12;

/** How often an append retries when another writer took the next sequence number first. */
const maxAppendAttempts = 40;
/** How long this process trusts the head it wrote last without reading it again. */
const trustOwnHeadMs = 2_000;

export interface AuditLog extends AuditReader, AuditAppender {
  /**
   * Writes `items` and the entries for `audit.events` in one DynamoDB transaction: the entries take
   * the next sequence numbers with conditional Puts, so two writers can never fork the chain or
   * leave a gap. When another writer took those numbers first, the head is read again and the whole
   * transaction retried. A failure of the action's own items is rethrown untouched (its
   * cancellation reasons are indexed like `items`), and then nothing was written.
   */
  transact(items: readonly DocumentTransactItem[], audit: AuditBatch): Promise<AuditEntry[]>;
}

export function auditItem(entry: AuditEntry): Record<string, unknown> {
  return { [attr.chain]: chainName, [attr.atSeq]: `${entry.at}#${String(entry.seq).padStart(seqWidth, '0')}`, ...entry };
}

function entryFrom(item: Record<string, unknown>): AuditEntry {
  const { [attr.chain]: _chain, [attr.atSeq]: _atSeq, ...entry } = item;
  return entry as unknown as AuditEntry;
}

/** Exponential backoff with full jitter, capped at 100 ms. */
const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(100, 2 * 2 ** attempt)));

export function buildAuditLog(client: DynamoDBDocumentClient, table: string): AuditLog {
  const head = () =>
    storage(async () => {
      const { Items } = await client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: '#chain = :chain',
          ExpressionAttributeNames: { '#chain': attr.chain },
          ExpressionAttributeValues: { ':chain': chainName },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
      return Items?.[0] ? entryFrom(Items[0]) : undefined;
    });

  const stored = (seq: number) =>
    storage(async () => {
      const { Item } = await client.send(new GetCommand({ TableName: table, Key: { [attr.chain]: chainName, [attr.seq]: seq }, ConsistentRead: true }));
      return Item ? entryFrom(Item) : undefined;
    });

  const byTime = (condition: string, value: string, forward: boolean) =>
    storage(async () => {
      const { Items } = await client.send(
        new QueryCommand({
          TableName: table,
          IndexName: indexNames.auditByTime,
          KeyConditionExpression: `#chain = :chain AND #atSeq ${condition} :value`,
          ExpressionAttributeNames: { '#chain': attr.chain, '#atSeq': attr.atSeq },
          ExpressionAttributeValues: { ':chain': chainName, ':value': value },
          ScanIndexForward: forward,
          Limit: 1,
        }),
      );
      return Items?.[0] ? entryFrom(Items[0]) : undefined;
    });

  /**
   * Appends from one process go one at a time (a Lambda container serves one request at a time
   * anyway; the local server serves many), so a process never races itself for a sequence
   * number, and can reuse the head it has just written instead of reading it again. Other
   * processes are kept out by the conditional Put; the loser reads the new head and retries.
   */
  let queue: Promise<unknown> = Promise.resolve();
  let ownHead: { entry: AuditEntry; at: number } | undefined;
  const serially = <T>(run: () => Promise<T>): Promise<T> => {
    const result = queue.then(run, run);
    queue = result.catch(() => undefined);
    return result;
  };

  const transact = (items: readonly DocumentTransactItem[], audit: AuditBatch): Promise<AuditEntry[]> =>
    serially(async () => {
      for (let attempt = 1; attempt <= maxAppendAttempts; attempt += 1) {
        const trusted = attempt === 1 && ownHead && Date.now() - ownHead.at < trustOwnHeadMs ? ownHead.entry : undefined;
        const entries = chainEntries(trusted ?? (await head()), audit.events, audit.now);
        const puts = entries.map((entry) => ({
          Put: {
            TableName: table,
            Item: auditItem(entry),
            ConditionExpression: 'attribute_not_exists(#seq)',
            ExpressionAttributeNames: { '#seq': attr.seq },
          },
        }));
        try {
          if (items.length === 0 && puts.length === 1) await client.send(new PutCommand(puts[0]!.Put));
          else await client.send(new TransactWriteCommand({ TransactItems: [...items, ...puts] as never }));
          if (entries.length > 0) ownHead = { entry: entries.at(-1)!, at: Date.now() };
          return entries;
        } catch (error) {
          ownHead = undefined;
          // Judged on DynamoDB's own answer, before it becomes a 503: the action's reasons stay readable to the caller.
          if (!lostTheRace(error, items.length)) throw translated(error);
          // The "other writer" may be this very write: its answer was lost and the SDK sent it again. A lone Put
          // has no idempotency token (a transaction's ClientRequestToken covers it), so look before writing it twice.
          const first = entries[0];
          if (first && (await stored(first.seq))?.hash === first.hash) {
            ownHead = { entry: entries.at(-1)!, at: Date.now() };
            return entries;
          }
          await pause(attempt);
        }
      }
      throw new DependencyUnavailableError('The audit log is busy with other writers; retry shortly.', 1);
    });

  return {
    head,
    transact,
    append: (events, now) => transact([], { events, now }),
    bounds: async (from, to) => {
      const first = await byTime('>=', from, true);
      const last = await byTime('<', to, false);
      return first && last && first.seq <= last.seq ? { first, last } : undefined;
    },
    read: async function* (firstSeq, lastSeq, pageSize = 1000) {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await storage(() =>
          client.send(
            new QueryCommand({
              TableName: table,
              KeyConditionExpression: '#chain = :chain AND #seq BETWEEN :first AND :last',
              ExpressionAttributeNames: { '#chain': attr.chain, '#seq': attr.seq },
              ExpressionAttributeValues: { ':chain': chainName, ':first': firstSeq, ':last': lastSeq },
              ConsistentRead: true,
              Limit: pageSize,
              ExclusiveStartKey: start,
            }),
          ),
        );
        for (const item of page.Items ?? []) yield entryFrom(item);
        start = page.LastEvaluatedKey;
      } while (start);
    },
  };
}

/**
 * True when the action's own conditions held and the transaction failed only because another
 * writer got in first: it took the next sequence numbers, or DynamoDB reports a conflicting
 * transaction. Then reading the head again and retrying is safe.
 */
function lostTheRace(error: unknown, actionItems: number): boolean {
  if (actionItems === 0 && isConditionalCheckFailure(error)) return true;
  const reasons = cancellationReasons(error);
  if (!reasons) return false;
  const actionHeld = reasons.slice(0, actionItems).every((reason) => reason === 'None' || reason === 'TransactionConflict');
  return actionHeld && (reasons.slice(actionItems).includes('ConditionalCheckFailed') || reasons.includes('TransactionConflict'));
}
