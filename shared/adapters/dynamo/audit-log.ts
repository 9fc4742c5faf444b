import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { chainEntries } from '../../audit/chain.ts';
import { chainNames, entryChain, legacyChain, otherChain } from '../../audit/chains.ts';
import { DependencyUnavailableError } from '../../errors.ts';
import type { AuditAppender, AuditReader } from '../../ports.ts';
import type { AuditBatch, AuditEntry, ChainHead } from '../../records.ts';
import { attr, indexNames } from './tables.ts';
import { queryPages } from './query-pages.ts';
import { isConditionalCheckFailure, isTransient, storage, translated } from './errors.ts';
import { isCancellation, itemIdentity, judgeCancellation, ownCancellation, takeGroup, type Packable, type TransactItem } from './audit-groups.ts';

/** The document client's transaction item (plain JS values instead of attribute values). */
export type DocumentTransactItem = { [K in keyof TransactWriteItem]?: Record<string, unknown> };

const seqWidth = 12;
/** How many chains' heads are read at once (a checkpoint reads them all). */
const headReads = 16;

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

/** The item of an entry: its chain is the partition key (the legacy chain's entries carry no `chain` of their own). */
export function auditItem(entry: AuditEntry): Record<string, unknown> {
  return { ...entry, [attr.chain]: entryChain(entry), [attr.atSeq]: atSeq(entry) };
}

const atSeq = (entry: Pick<AuditEntry, 'at' | 'seq'>) => `${entry.at}#${String(entry.seq).padStart(seqWidth, '0')}`;

/** One append waiting for its group's transaction. */
interface Pending extends Packable {
  readonly items: readonly DocumentTransactItem[];
  readonly audit: AuditBatch;
  /** How often it lost the race for the head (or met a conflicting transaction). */
  races: number;
  resolve(entries: AuditEntry[]): void;
  reject(error: unknown): void;
}

function entryFrom(item: Record<string, unknown>): AuditEntry {
  const { [attr.chain]: chain, [attr.atSeq]: _atSeq, ...entry } = item;
  return (chain === legacyChain ? entry : { ...entry, chain }) as unknown as AuditEntry;
}

export interface AuditLogOptions {
  /** AUDIT_CHAINS: how many chains writers spread over (default 256). */
  readonly chains?: number;
  /** The random source of the chain choice (tests pin it). */
  readonly random?: () => number;
}

/** Exponential backoff with full jitter, capped at 100 ms. */
const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(100, 2 * 2 ** attempt)));

export function buildAuditLog(client: DynamoDBDocumentClient, table: string, options: AuditLogOptions = {}): AuditLog {
  const chainCount = options.chains ?? 256;
  /** The chain this process appends to: chosen at random, kept while it wins, changed when it loses a race. */
  let current = otherChain(chainCount, undefined, options.random);

  const head = (chain: string = current) =>
    storage(async () => {
      const { Items } = await client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: '#chain = :chain',
          ExpressionAttributeNames: { '#chain': attr.chain },
          ExpressionAttributeValues: { ':chain': chain },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
      return Items?.[0] ? entryFrom(Items[0]) : undefined;
    });

  /** Whether `entry` is what the table holds at its seq (a write whose answer was lost may have landed). */
  const landed = (entry: AuditEntry) =>
    storage(async () => {
      const { Item } = await client.send(
        new GetCommand({ TableName: table, Key: { [attr.chain]: entryChain(entry), [attr.seq]: entry.seq }, ConsistentRead: true }),
      );
      return Item !== undefined && entryFrom(Item).hash === entry.hash;
    });

  const byTime = (chain: string, condition: string, value: string, forward: boolean) =>
    storage(async () => {
      const { Items } = await client.send(
        new QueryCommand({
          TableName: table,
          IndexName: indexNames.auditByTime,
          KeyConditionExpression: `#chain = :chain AND #atSeq ${condition} :value`,
          ExpressionAttributeNames: { '#chain': attr.chain, '#atSeq': attr.atSeq },
          ExpressionAttributeValues: { ':chain': chain, ':value': value },
          ScanIndexForward: forward,
          Limit: 1,
        }),
      );
      return Items?.[0] ? entryFrom(Items[0]) : undefined;
    });

  /**
   * Group commit. Appends from one process are committed by one loop, one transaction at a time,
   * so a process never races itself for a sequence number and can reuse the head it has just
   * written instead of reading it again. While a transaction is in flight, new appends wait;
   * the next transaction takes as many of them as fit (see takeGroup) and writes them all, with
   * consecutive sequence numbers, in ONE TransactWriteItems. A Lambda container serves one
   * request at a time, so there a group is one append; the local server serves many.
   * Other processes are kept out by the conditional Puts; the loser reads the new head and retries.
   */
  const pending: Pending[] = [];
  let committing = false;
  let ownHead: { entry: AuditEntry; at: number } | undefined;
  /** After a lost race: the next attempt goes to another chain, where this process is likely alone. */
  const moveChain = () => {
    current = otherChain(chainCount, current, options.random);
    ownHead = undefined;
  };

  const transact = (items: readonly DocumentTransactItem[], audit: AuditBatch): Promise<AuditEntry[]> =>
    new Promise((resolve, reject) => {
      const itemKeys = items.map((item) => itemIdentity(item as TransactItem));
      const bytes = Buffer.byteLength(JSON.stringify(items)) + Buffer.byteLength(JSON.stringify(audit.events));
      pending.push({ items, audit, itemKeys, itemCount: items.length + audit.events.length, bytes, alone: false, races: 0, resolve, reject });
      if (!committing) void commitAll();
    });

  const commitAll = async () => {
    committing = true;
    try {
      while (pending.length > 0) {
        const group = takeGroup(pending);
        try {
          await commit(group);
        } catch (error) {
          for (const append of group) append.reject(error);
        }
      }
    } finally {
      committing = false;
    }
  };

  /** One attempt at one group. Appends that must try again go back to the front of the queue, in order. */
  const commit = async (group: Pending[]) => {
    // The head this process wrote last, while fresh; otherwise (and after any failure) the one in the table.
    const chain = current;
    const trusted = ownHead && entryChain(ownHead.entry) === chain && Date.now() - ownHead.at < trustOwnHeadMs ? ownHead.entry : undefined;
    let previous = trusted ?? (await head(chain));
    const plans = group.map((append) => {
      const entries = chainEntries(previous, append.audit.events, append.audit.now, chain);
      previous = entries.at(-1) ?? previous;
      const puts = entries.map((entry) => ({
        Put: { TableName: table, Item: auditItem(entry), ConditionExpression: 'attribute_not_exists(#seq)', ExpressionAttributeNames: { '#seq': attr.seq } },
      }));
      return { append, entries, puts };
    });
    const transactItems = plans.flatMap(({ append, puts }) => [...append.items, ...puts]);
    try {
      if (transactItems.length === 1 && plans[0]!.puts.length === 1) await client.send(new PutCommand(plans[0]!.puts[0]!.Put));
      else if (transactItems.length > 0) await client.send(new TransactWriteCommand({ TransactItems: transactItems as never }));
      if (previous) ownHead = { entry: previous, at: Date.now() };
      for (const { append, entries } of plans) append.resolve(entries);
      return;
    } catch (error) {
      ownHead = undefined;
      // A lone Put has no idempotency token (a transaction's ClientRequestToken covers a resent one): when its answer
      // was lost and the SDK sent it again, the "other writer" that took the seq is this very write. Look before
      // writing it twice.
      const lone = plans.length === 1 && transactItems.length === 1 ? plans[0]!.entries[0] : undefined;
      if (lone && isConditionalCheckFailure(error) && (await landed(lone))) {
        ownHead = { entry: lone, at: Date.now() };
        plans[0]!.append.resolve(plans[0]!.entries);
        return;
      }
      const retry = judged(error, plans);
      const again: Pending[] = [];
      for (const append of retry.appends) {
        if (retry.raced && (append.races += 1) >= maxAppendAttempts) {
          append.reject(new DependencyUnavailableError('The audit log is busy with other writers; retry shortly.', 1));
        } else again.push(append);
      }
      if (retry.raced) moveChain();
      if (retry.raced && again.length > 0 && again[0]!.races > 2) await pause(again[0]!.races);
      pending.unshift(...again);
    }
  };

  /**
   * Decides, on DynamoDB's own answer and before any of it becomes a 503, what a failed group
   * means for each append: those whose own items failed are rejected with the error they would
   * have got alone (the reasons for their own items, so the stores read them as before); the rest
   * are returned to try again, with `raced` when the chain's head moved or a transaction conflicted.
   */
  const judged = (error: unknown, plans: { append: Pending; puts: unknown[] }[]): { appends: Pending[]; raced: boolean } => {
    if (!isCancellation(error)) {
      // A lone audit entry is written with a plain conditional Put: its failure means the seq was taken.
      if (plans.length === 1 && plans[0]!.append.items.length === 0 && isConditionalCheckFailure(error)) return { appends: [plans[0]!.append], raced: true };
      // A group refused as a whole (not cancelled) for a reason that is not transient: each append tries alone.
      if (plans.length > 1 && !isTransient(error)) {
        for (const { append } of plans) append.alone = true;
        return { appends: plans.map(({ append }) => append), raced: false };
      }
      for (const { append } of plans) append.reject(translated(error));
      return { appends: [], raced: false };
    }
    const verdicts = judgeCancellation(
      error.CancellationReasons ?? [],
      plans.map(({ append, puts }) => ({ ownItems: append.items.length, puts: puts.length })),
    );
    if (!verdicts.some((verdict) => verdict.kind !== 'held')) {
      for (const { append } of plans) append.reject(translated(error));
      return { appends: [], raced: false };
    }
    const appends: Pending[] = [];
    verdicts.forEach((verdict, i) => {
      const { append } = plans[i]!;
      if (verdict.kind === 'failed') append.reject(translated(plans.length === 1 ? error : ownCancellation(error, verdict.reasons)));
      else appends.push(append);
    });
    return { appends, raced: verdicts.some((verdict) => verdict.kind === 'raced') };
  };

  /** Every chain's head, a few reads at a time. */
  const heads = async (): Promise<ChainHead[]> => {
    const names = chainNames(chainCount);
    const found: ChainHead[] = [];
    for (let i = 0; i < names.length; i += headReads) {
      const batch = await Promise.all(names.slice(i, i + headReads).map((name) => head(name)));
      for (const [j, entry] of batch.entries()) if (entry) found.push({ chain: names[i + j]!, seq: entry.seq, hash: entry.hash, at: entry.at });
    }
    return found.sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0));
  };

  return {
    head: (chain) => head(chain),
    heads,
    transact,
    append: (events, now) => transact([], { events, now }),
    bounds: async (from, to, chain = current) => {
      const first = await byTime(chain, '>=', from, true);
      const last = await byTime(chain, '<', to, false);
      return first && last && first.seq <= last.seq ? { first, last } : undefined;
    },
    read: async function* (firstSeq, lastSeq, pageSize = 1000, chain = current) {
      const items = queryPages(client, {
        TableName: table,
        KeyConditionExpression: '#chain = :chain AND #seq BETWEEN :first AND :last',
        ExpressionAttributeNames: { '#chain': attr.chain, '#seq': attr.seq },
        ExpressionAttributeValues: { ':chain': chain, ':first': firstSeq, ':last': lastSeq },
        ConsistentRead: true,
        Limit: pageSize,
      });
      for await (const item of items) yield entryFrom(item);
    },
  };
}
