import type { AuditEntry } from '../records.ts';

/**
 * The audit log is many independent hash chains (docs/audit.md §1). A writer (one Lambda
 * container, or the local server) appends to one chain chosen at random among `AUDIT_CHAINS`,
 * keeps it while it wins, and moves to another random chain when another writer took the head
 * first. So a chain's write rate is about one writer's, whatever the size of the network, and
 * writers rarely meet on a head. Signed checkpoints (checkpoint.ts) tie all chain heads together.
 */

/** The one chain of a log written before there were many: its entries carry no `chain` field. */
export const legacyChain = 'main';
/** The most chains a deployment may have (AUDIT_CHAINS); the count may grow, never shrink. */
export const maxChains = 1000;

/** The name (partition key) of chain k: c000 … c999. */
export const chainName = (k: number): string => `c${String(k).padStart(3, '0')}`;

/** Every chain that may hold entries: the legacy one and the `count` chains. */
export const chainNames = (count: number): string[] => [legacyChain, ...Array.from({ length: count }, (_, k) => chainName(k))];

/** The chain an entry belongs to. */
export const entryChain = (entry: Pick<AuditEntry, 'chain'>): string => entry.chain ?? legacyChain;

/** A chain other than `current`, at random (or any chain when there is only one). */
export function otherChain(count: number, current: string | undefined, random: () => number = Math.random): string {
  if (count <= 1) return chainName(0);
  for (;;) {
    const candidate = chainName(Math.floor(random() * count));
    if (candidate !== current) return candidate;
  }
}
