import { expect } from 'vitest';
import { entryHash, genesisHash } from '#shared/audit/chain.ts';
import type { AuditReader } from '#shared/ports.ts';
import type { AuditEntry } from '#shared/records.ts';
import { collect } from './collect.ts';

/** Every entry of the log, in order, after checking that the chain is whole: no gap, no fork, no edit. */
export async function intactChain(audit: AuditReader): Promise<AuditEntry[]> {
  const head = await audit.head();
  if (!head) return [];
  const entries = await collect(audit.read(1, head.seq));
  entries.forEach((entry, i) => {
    const { hash, ...unhashed } = entry;
    expect(entry.seq, 'sequence numbers have no gap').toBe(i + 1);
    expect(entry.prevHash, `entry ${entry.seq} links to the one before`).toBe(i === 0 ? genesisHash : entries[i - 1]!.hash);
    expect(hash, `entry ${entry.seq} hash`).toBe(entryHash(unhashed));
    if (i > 0) expect(entry.at >= entries[i - 1]!.at, 'time never runs backwards').toBe(true);
  });
  return entries;
}

/** Every entry of every chain (chain by chain, each in order), after checking each chain as intactChain does. */
export async function intactChains(audit: AuditReader): Promise<AuditEntry[]> {
  const all: AuditEntry[] = [];
  for (const head of await audit.heads()) {
    const entries = await collect(audit.read(1, head.seq, 1000, head.chain));
    entries.forEach((entry, i) => {
      const { hash, ...unhashed } = entry;
      expect(entry.seq, `chain ${head.chain}: sequence numbers have no gap`).toBe(i + 1);
      expect(entry.prevHash, `chain ${head.chain} entry ${entry.seq} links to the one before`).toBe(i === 0 ? genesisHash : entries[i - 1]!.hash);
      expect(hash, `chain ${head.chain} entry ${entry.seq} hash`).toBe(entryHash(unhashed));
      expect(entry.chain ?? 'main', 'the entry names its chain').toBe(head.chain);
    });
    all.push(...entries);
  }
  return all;
}
