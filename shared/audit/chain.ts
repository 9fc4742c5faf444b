import { canonicalJson, sha256Hex } from '../canonical.ts';
import { isoInstant } from '../dates.ts';
import type { AuditEntry, AuditEvent } from '../records.ts';
import { legacyChain } from './chains.ts';

/** The prevHash of the first entry of the chain. */
export const genesisHash = '0'.repeat(64);

/** The fields an entry's hash covers: every field but the hash itself. */
export type UnhashedEntry = Omit<AuditEntry, 'hash'>;

/** Hex SHA-256 of the canonical JSON (sorted keys, no whitespace) of the entry without its hash. */
export function entryHash(entry: UnhashedEntry): string {
  return sha256Hex(canonicalJson(entry));
}

/**
 * The entries that follow `previous` on `chain` for these events: consecutive sequence numbers, each
 * carrying the hash of the one before. Time never runs backwards along the chain (an entry is
 * stamped no earlier than its predecessor), so sequence order and time order agree.
 */
export function chainEntries(
  previous: Pick<AuditEntry, 'seq' | 'hash' | 'at'> | undefined,
  events: readonly AuditEvent[],
  now: Date,
  chain?: string,
): AuditEntry[] {
  const entries: AuditEntry[] = [];
  let seq = previous?.seq ?? 0;
  let prevHash = previous?.hash ?? genesisHash;
  const stamped = isoInstant(now);
  const at = previous && previous.at > stamped ? previous.at : stamped;
  for (const event of events) {
    seq += 1;
    // The chain's name is part of what is hashed (the legacy chain's entries have none: they stay as they were).
    const unhashed: UnhashedEntry = { ...stripUndefined(event), ...(chain === undefined || chain === legacyChain ? {} : { chain }), seq, at, prevHash };
    const entry: AuditEntry = { ...unhashed, hash: entryHash(unhashed) };
    entries.push(entry);
    prevHash = entry.hash;
  }
  return entries;
}

function stripUndefined<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
