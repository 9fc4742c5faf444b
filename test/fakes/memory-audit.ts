import { chainEntries } from '#shared/audit/chain.ts';
import { entryChain, legacyChain } from '#shared/audit/chains.ts';
import type { AuditAppender, AuditReader, CheckpointStore } from '#shared/ports.ts';
import type { AuditBatch, AuditCheckpoint, AuditEntry, ChainHead } from '#shared/records.ts';

/**
 * The audit chains in memory, with the DynamoDB adapter's promise: `commit` applies a store's
 * change and appends its entries together (nothing in between can run), or does neither.
 * Appends go to one chain at a time (`useChain`; at first the legacy chain `main`, whose entries
 * carry no chain name, as a log from before there were many chains).
 */
export interface MemoryAuditLog extends AuditReader, AuditAppender {
  /** Runs `apply` (which may throw, and then nothing is appended) and appends the batch's entries. */
  commit<T>(audit: AuditBatch, apply: () => T): T;
  /** Every entry of every chain, in the order they were appended. */
  readonly entries: readonly AuditEntry[];
  /** Where the next appends go (as a writer that moved to another chain). */
  useChain(chain: string): void;
}

export function memoryAuditLog(): MemoryAuditLog {
  const entries: AuditEntry[] = [];
  let current = legacyChain;
  const of = (chain: string) => entries.filter((entry) => entryChain(entry) === chain);
  const append = (audit: AuditBatch) => {
    const added = chainEntries(of(current).at(-1), audit.events, audit.now, current);
    entries.push(...structuredClone(added));
    return added;
  };
  return {
    entries,
    useChain: (chain) => void (current = chain),
    commit: (audit, apply) => {
      const result = apply();
      append(audit);
      return result;
    },
    append: async (events, now) => append({ events, now }),
    head: async (chain = current) => structuredClone(of(chain).at(-1)),
    heads: async () => {
      const chains = [...new Set(entries.map(entryChain))].sort();
      return chains.map((chain): ChainHead => {
        const { seq, hash, at } = of(chain).at(-1)!;
        return { chain, seq, hash, at };
      });
    },
    bounds: async (from, to, chain = current) => {
      const inRange = of(chain).filter((entry) => entry.at >= from && entry.at < to);
      return inRange.length === 0 ? undefined : structuredClone({ first: inRange[0]!, last: inRange.at(-1)! });
    },
    read: async function* (firstSeq, lastSeq, _pageSize, chain = current) {
      for (const entry of of(chain)) if (entry.seq >= firstSeq && entry.seq <= lastSeq) yield structuredClone(entry);
    },
  };
}

export interface MemoryCheckpointStore extends CheckpointStore {
  readonly checkpoints: AuditCheckpoint[];
}

export function memoryCheckpointStore(): MemoryCheckpointStore {
  const checkpoints: AuditCheckpoint[] = [];
  return {
    checkpoints,
    latest: async () => structuredClone(checkpoints.at(-1)),
    put: async (checkpoint) => {
      if (checkpoints.some((other) => other.number === checkpoint.number)) return false;
      checkpoints.push(structuredClone(checkpoint));
      checkpoints.sort((a, b) => a.number - b.number);
      return true;
    },
    list: async (first, last) => structuredClone(checkpoints.filter((checkpoint) => checkpoint.number >= first && checkpoint.number <= last)),
    lastBefore: async (instant) => structuredClone(checkpoints.filter((checkpoint) => checkpoint.madeAt < instant).at(-1)),
  };
}
