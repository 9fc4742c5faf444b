import { canonicalJson } from '../canonical.ts';
import type { AuditChange, AuditEvent, AuditTamperKind, SecurityNotification } from '../records.ts';
import { systemActor } from './events.ts';

/**
 * What the audit table's write-once copy holds, and what counts as tampering. Entries are only
 * ever inserted (a conditional Put on a new sequence number), so the stream of the table tells
 * the two apart by itself:
 * - an `insert` is an entry being written: its item is copied as it is, once, to
 *   `entries/<chain>/<seq>.json` (an entry holds no raw identifier: the export gives the same);
 * - a `modify` (an item overwritten) or a `remove` (an item deleted) is someone with write access
 *   to the table rewriting history. It is copied as a change record to
 *   `changes/<chain>/<seq>/<eventId>.json`, raises a notice on the security topic, and is itself
 *   recorded as an `audit.tampered` entry. Neither holds anything of the items but their stored
 *   `hash` fields: whatever the new image holds (it could be anything someone typed) is never
 *   copied, logged or hashed.
 */
export const auditJob = 'audit-stream';

const hex64 = /^[0-9a-f]{64}$/;
const safeName = /^[A-Za-z0-9._-]{1,64}$/;

/** A chain name fit to appear in an object name and an entry; anything else is named `unrecognised`. */
export const safeChain = (chain: string): string => (safeName.test(chain) ? chain : 'unrecognised');

/** An event id fit for an object name (stream ids are hex and dashes; anything else is replaced). */
const safeEventId = (eventId: string): string => eventId.replace(/[^A-Za-z0-9-]/g, '_').slice(0, 128) || 'unnamed';

/** The item's stored `hash`, when it is one (a SHA-256 in hex); never any other value of the item. */
const storedHash = (item: Readonly<Record<string, unknown>> | undefined): string | undefined =>
  typeof item?.hash === 'string' && hex64.test(item.hash) ? item.hash : undefined;

const padded = (seq: number): string => String(Number.isSafeInteger(seq) && seq >= 0 ? seq : 0).padStart(12, '0');

export const tamperKindOf = (change: AuditChange): AuditTamperKind | undefined =>
  change.kind === 'modify' ? 'modified' : change.kind === 'remove' ? 'removed' : undefined;

/** Where the copy of a change goes, relative to the archive's root. */
export function copyName(change: AuditChange): string {
  const chain = safeChain(change.chain);
  return change.kind === 'insert'
    ? `entries/${chain}/${padded(change.seq)}.json`
    : `changes/${chain}/${padded(change.seq)}/${safeEventId(change.eventId)}.json`;
}

/**
 * What a tampering change's copy and its audit entry say: where, when, which stream event, and
 * the stored hashes before and after (when the images hold one); never the items themselves.
 */
export function changeRecord(change: AuditChange): Record<string, string | number> {
  const kind = tamperKindOf(change);
  if (!kind) throw new Error('an insert is an entry being written, not a tampering change');
  const oldHash = storedHash(change.oldItem);
  const newHash = storedHash(change.newItem);
  return {
    change: kind,
    chain: safeChain(change.chain),
    seq: change.seq,
    changedAt: change.at,
    streamEventId: safeEventId(change.eventId),
    ...(oldHash ? { oldHash } : {}),
    ...(newHash ? { newHash } : {}),
  };
}

/** The body of a change's copy: one line of canonical JSON. */
export function copyBody(change: AuditChange): string {
  if (change.kind === 'insert') return `${canonicalJson(change.newItem ?? {})}\n`;
  return `${canonicalJson({ type: 'peerguard.audit.change.v1', ...changeRecord(change) })}\n`;
}

/** The `audit.tampered` entry that records a modify or remove on the chain itself. */
export function tamperEvent(change: AuditChange): AuditEvent {
  const { change: kind, chain, seq, ...detail } = changeRecord(change);
  return { action: 'audit.tampered', actor: systemActor(auditJob), targets: { chain: chain!, seq: seq! }, outcome: String(kind), detail };
}

/** What the security topic hears about it. */
export function tamperNotice(change: AuditChange, at: string): SecurityNotification {
  return { topic: 'security', type: 'audit.tampered', change: tamperKindOf(change)!, chain: safeChain(change.chain), seq: change.seq, at };
}
