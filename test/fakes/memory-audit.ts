import { chainEntries } from '#shared/audit/chain.ts';
import type { AuditAppender, AuditReader } from '#shared/ports.ts';
import type { AuditBatch, AuditEntry } from '#shared/records.ts';

/**
 * The audit chain in memory, with the DynamoDB adapter's promise: `commit` applies a store's
 * change and appends its entries together (nothing in between can run), or does neither.
 */
export interface MemoryAuditLog extends AuditReader, AuditAppender {
  /** Runs `apply` (which may throw, and then nothing is appended) and appends the batch's entries. */
  commit<T>(audit: AuditBatch, apply: () => T): T;
  readonly entries: readonly AuditEntry[];
}

export function memoryAuditLog(): MemoryAuditLog {
  const entries: AuditEntry[] = [];
  const append = (audit: AuditBatch) => {
    const added = chainEntries(entries.at(-1), audit.events, audit.now);
    entries.push(...structuredClone(added));
    return added;
  };
  return {
    entries,
    commit: (audit, apply) => {
      const result = apply();
      append(audit);
      return result;
    },
    append: async (events, now) => append({ events, now }),
    head: async () => structuredClone(entries.at(-1)),
    bounds: async (from, to) => {
      const inRange = entries.filter((entry) => entry.at >= from && entry.at < to);
      return inRange.length === 0 ? undefined : structuredClone({ first: inRange[0]!, last: inRange.at(-1)! });
    },
    read: async function* (firstSeq, lastSeq) {
      for (const entry of entries) if (entry.seq >= firstSeq && entry.seq <= lastSeq) yield structuredClone(entry);
    },
  };
}
