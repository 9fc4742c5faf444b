import { TransactionCanceledException, type CancellationReason } from '@aws-sdk/client-dynamodb';
import { canonicalJson } from '../../canonical.ts';
import { attr } from './tables.ts';

/**
 * Group commit of audit appends: how pending appends are packed into one TransactWriteItems, and
 * how a cancelled group's reasons are shared out among its appends. Pure functions, no I/O.
 */

/** TransactWriteItems' limits: 100 items and 4 MB per transaction (sizes here are estimates, so some room is kept). */
export const maxGroupItems = 100;
export const maxGroupBytes = 3_500_000;

/** The document client's transaction item (plain JS values instead of attribute values). */
export type TransactItem = Record<string, Record<string, unknown> | undefined>;

export interface Packable {
  /** Identities of the items the append writes or checks (table and key). */
  readonly itemKeys: readonly string[];
  /** Items it puts in the transaction: its own plus one per audit event. */
  readonly itemCount: number;
  readonly bytes: number;
  /** Set after a group failed in a way no cancellation reason explained: it then goes in a transaction of its own. */
  alone: boolean;
}

/** The key attributes a Put's item may carry; whichever the item has identify it. */
const keySets = [[attr.pk, attr.sk], [attr.token], [attr.keyId]] as const;

/** Table and key of one transaction item, so that two operations on the same item are never in one transaction. */
export function itemIdentity(item: TransactItem): string {
  const operation = Object.values(item).find((value) => value !== undefined) ?? {};
  const table = String(operation.TableName);
  if (operation.Key) return `${table}|${canonicalJson(operation.Key)}`;
  const stored = (operation.Item ?? {}) as Record<string, unknown>;
  const keyNames = keySets.find((names) => stored[names[0]] !== undefined) ?? Object.keys(stored);
  return `${table}|${canonicalJson(Object.fromEntries(keyNames.map((name) => [name, stored[name]])))}`;
}

/**
 * Takes the next group off the front of `pending`: the oldest append, then every later one that
 * fits the limits and touches none of the items of the group or of an append it passed over (so
 * appends to the same item keep their arrival order). An append marked `alone` goes by itself.
 */
export function takeGroup<T extends Packable>(pending: T[]): T[] {
  const first = pending.shift();
  if (!first) return [];
  const group = [first];
  if (first.alone) return group;
  const taken = new Set(first.itemKeys);
  let items = first.itemCount;
  let bytes = first.bytes;
  for (let i = 0; i < pending.length; ) {
    const next = pending[i]!;
    if (items + next.itemCount > maxGroupItems || bytes + next.bytes > maxGroupBytes || next.alone) break;
    const clashes = next.itemKeys.some((key) => taken.has(key));
    for (const key of next.itemKeys) taken.add(key);
    if (clashes) {
      i += 1;
      continue;
    }
    group.push(next);
    pending.splice(i, 1);
    items += next.itemCount;
    bytes += next.bytes;
  }
  return group;
}

export type Verdict =
  /** Its items were not what cancelled the transaction. */
  | { kind: 'held' }
  /** Another writer got in first: it took the next sequence number, or a transaction conflicted. */
  | { kind: 'raced' }
  /** Its own items failed (a condition, throttling, …): it fails with these reasons, indexed like its items. */
  | { kind: 'failed'; reasons: CancellationReason[] };

/**
 * Shares a cancelled group's reasons (one per item, in order) out among its appends: each gets
 * the slice for its own items then its audit Puts. An append fails when one of its own items
 * failed for any reason but a conflicting transaction, or a Put failed for any reason but a taken
 * sequence number or a conflict; it raced when a Put found its sequence number taken or any of
 * its items met a conflicting transaction.
 */
export function judgeCancellation(reasons: readonly CancellationReason[], appends: readonly { ownItems: number; puts: number }[]): Verdict[] {
  let offset = 0;
  return appends.map(({ ownItems, puts }) => {
    const slice = reasons.slice(offset, offset + ownItems + puts);
    offset += ownItems + puts;
    const codes = slice.map((reason) => reason.Code ?? 'None');
    const own = codes.slice(0, ownItems);
    const entries = codes.slice(ownItems);
    const ownFailed = own.some((code) => code !== 'None' && code !== 'TransactionConflict');
    const putFailed = entries.some((code) => code !== 'None' && code !== 'TransactionConflict' && code !== 'ConditionalCheckFailed');
    if (ownFailed || putFailed) return { kind: 'failed', reasons: slice };
    if (codes.some((code) => code !== 'None')) return { kind: 'raced' };
    return { kind: 'held' };
  });
}

/** True for a cancelled transaction (by name: the SDK class may come from another copy of the package). */
export function isCancellation(error: unknown): error is TransactionCanceledException {
  return error instanceof Error && error.name === 'TransactionCanceledException';
}

/** The cancellation one append would have seen alone: same error, with only its own reasons. */
export function ownCancellation(error: TransactionCanceledException, reasons: CancellationReason[]): TransactionCanceledException {
  return new TransactionCanceledException({ message: error.message, $metadata: error.$metadata, CancellationReasons: reasons });
}
