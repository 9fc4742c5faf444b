import { PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { chainEntries } from '../../audit/chain.ts';
import { DependencyUnavailableError } from '../../errors.ts';
import type { AuditAppender, AuditBatch, AuditEntry, AuditReader } from '../../ports.ts';
import { attr, indexNames } from './tables.ts';
import { cancellationReasons, isConditionalCheckFailure, storage } from './errors.ts';

/** The document client's transaction item (plain JS values instead of attribute values). */
export type DocumentTransactItem = { [K in keyof TransactWriteItem]?: Record<string, unknown> };

/** The one chain all entries belong to (the partition key of every audit item). */
export const chainName = 'main';
const seqWidth = 12;

/** How often an append retries when another writer took the next sequence number first. */
const maxAppendAttempts = 12;

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

const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 5 * 2 ** attempt)));

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

  const transact = async (items: readonly DocumentTransactItem[], audit: AuditBatch): Promise<AuditEntry[]> => {
    for (let attempt = 1; attempt <= maxAppendAttempts; attempt += 1) {
      const entries = chainEntries(await head(), audit.events, audit.now);
      const puts = entries.map((entry) => ({
        Put: {
          TableName: table,
          Item: auditItem(entry),
          ConditionExpression: 'attribute_not_exists(#seq)',
          ExpressionAttributeNames: { '#seq': attr.seq },
        },
      }));
      try {
        await storage(async () => {
          if (items.length === 0 && puts.length === 1) await client.send(new PutCommand(puts[0]!.Put));
          else await client.send(new TransactWriteCommand({ TransactItems: [...items, ...puts] as never }));
        });
        return entries;
      } catch (error) {
        if (!lostTheRace(error, items.length)) throw error;
        await pause(attempt);
      }
    }
    throw new DependencyUnavailableError('The audit log is busy with other writers; retry shortly.', 1);
  };

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
 * True when only the audit part failed because another writer appended first (its sequence
 * numbers are taken, or DynamoDB reports a conflicting transaction on the head): safe to retry.
 */
function lostTheRace(error: unknown, actionItems: number): boolean {
  if (error instanceof DependencyUnavailableError) {
    const reasons = cancellationReasons(error.cause);
    return reasons !== undefined && reasons.slice(0, actionItems).every((reason) => reason === 'None' || reason === 'TransactionConflict') && reasons.includes('TransactionConflict');
  }
  if (actionItems === 0 && isConditionalCheckFailure(error)) return true;
  const reasons = cancellationReasons(error);
  if (!reasons) return false;
  const action = reasons.slice(0, actionItems);
  const chain = reasons.slice(actionItems);
  return action.every((reason) => reason === 'None') && chain.some((reason) => reason === 'ConditionalCheckFailed');
}
