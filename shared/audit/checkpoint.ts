import * as z from 'zod';
import { canonicalJson, sha256Hex } from '../canonical.ts';
import { isoInstant } from '../dates.ts';
import type { Deps } from '../deps.ts';
import { signTypedStatement } from '../domain/signing.ts';
import { DependencyUnavailableError } from '../errors.ts';
import type { AuditCheckpoint, ChainHead } from '../records.ts';
import { genesisHash } from './chain.ts';
import { merkleRootHex } from './merkle.ts';

/**
 * Signed checkpoints: the heads (chain, seq, hash, at) of every chain at one moment, the RFC 6962
 * Merkle tree head over them (leaf = the canonical JSON of one head, leaves sorted by chain), a
 * number one past the previous checkpoint's and that checkpoint's hash. The statement type is
 * inside what is signed, so a checkpoint signature cannot pass for any other statement's.
 *
 * Order across chains is only known through checkpoints: an entry at or below a chain's head in
 * checkpoint n was written before checkpoint n was made; one above every head of checkpoint n
 * was not yet there. Within a chain, seq is a total order.
 */
export const checkpointType = 'peerguard.audit.checkpoint.v1';

const encoder = new TextEncoder();

/** A head as the tree's leaf: the bytes of its canonical JSON. */
export const headLeaf = (head: ChainHead): Uint8Array => encoder.encode(canonicalJson({ chain: head.chain, seq: head.seq, hash: head.hash, at: head.at }));

const byChain = (a: ChainHead, b: ChainHead) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0);

/** The tree head over these chain heads (sorted by chain first). */
export const treeHead = (heads: readonly ChainHead[]): string => merkleRootHex([...heads].sort(byChain).map(headLeaf));

/** What the signature covers: everything but the key id and the signature. */
export function checkpointStatement(checkpoint: AuditCheckpoint): Omit<AuditCheckpoint, 'keyId' | 'signature'> {
  const { keyId: _keyId, signature: _signature, ...statement } = checkpoint;
  return statement;
}

/** The hash the next checkpoint carries as prevHash: SHA-256 of the whole signed checkpoint's canonical JSON. */
export const checkpointHash = (checkpoint: AuditCheckpoint): string => sha256Hex(canonicalJson(checkpoint));

const sameHeads = (a: readonly ChainHead[], b: readonly ChainHead[]) => canonicalJson([...a].sort(byChain)) === canonicalJson([...b].sort(byChain));

export class CheckpointRollbackError extends Error {
  override readonly name = 'CheckpointRollbackError';
}

/**
 * Makes, signs and stores the next checkpoint. With `onlyIfChanged` (the schedule, an export) the
 * latest one is returned instead when no chain head moved since. Refuses (throws) when a chain's
 * head is behind the latest checkpoint's or has another hash at the same seq: entries were removed
 * or rewritten, and signing that state would vouch for it.
 */
export async function makeCheckpoint(
  deps: Pick<Deps, 'audit' | 'checkpoints' | 'signer' | 'clock'>,
  options: { onlyIfChanged?: boolean } = {},
): Promise<AuditCheckpoint> {
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const latest = await deps.checkpoints.latest();
    const heads = await deps.audit.heads();
    if (latest) {
      await assertNoRollback(deps, latest, heads);
      if (options.onlyIfChanged && sameHeads(latest.heads, heads)) return latest;
    }
    const statement = {
      statementType: 'checkpoint',
      type: checkpointType,
      number: (latest?.number ?? 0) + 1,
      prevHash: latest ? checkpointHash(latest) : genesisHash,
      madeAt: isoInstant(deps.clock()),
      treeSize: heads.length,
      rootHash: treeHead(heads),
      heads: [...heads].sort(byChain),
    } as const;
    const checkpoint: AuditCheckpoint = { ...statement, ...(await signTypedStatement(deps.signer, 'checkpoint', statement)) };
    if (await deps.checkpoints.put(checkpoint)) return checkpoint;
  }
  throw new DependencyUnavailableError('Other checkpoints were being made at the same moment; retry shortly.', 1);
}

/**
 * Every chain head of the latest checkpoint must still be there, with its hash: a chain that did
 * not move has the same head; one that moved still holds the recorded entry (one read per chain
 * that moved). Otherwise someone removed or rewrote entries the checkpoint vouched for.
 */
async function assertNoRollback(deps: Pick<Deps, 'audit'>, latest: AuditCheckpoint, heads: readonly ChainHead[]): Promise<void> {
  const now = new Map(heads.map((head) => [head.chain, head]));
  const refuse = (before: ChainHead, seq: number) => {
    throw new CheckpointRollbackError(
      `chain ${before.chain} is at seq ${seq} with another history than checkpoint ${latest.number} recorded (seq ${before.seq}): entries were removed or rewritten`,
    );
  };
  const moved: ChainHead[] = [];
  for (const before of latest.heads) {
    const head = now.get(before.chain);
    if (!head || head.seq < before.seq || (head.seq === before.seq && head.hash !== before.hash)) refuse(before, head?.seq ?? 0);
    if (head!.seq > before.seq) moved.push(before);
  }
  for (let i = 0; i < moved.length; i += 16) {
    await Promise.all(
      moved.slice(i, i + 16).map(async (before) => {
        let hash: string | undefined;
        for await (const entry of deps.audit.read(before.seq, before.seq, 1, before.chain)) hash = entry.hash;
        if (hash !== before.hash) refuse(before, now.get(before.chain)!.seq);
      }),
    );
  }
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const instant = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);

export const chainHeadSchema = z.strictObject({ chain: z.string().min(1).max(64), seq: z.number().int().min(1), hash: hex64, at: instant });

export const checkpointSchema = z.strictObject({
  statementType: z.literal('checkpoint'),
  type: z.literal(checkpointType),
  number: z.number().int().min(1),
  prevHash: hex64,
  madeAt: instant,
  treeSize: z.number().int().min(0),
  rootHash: hex64,
  heads: z.array(chainHeadSchema).max(1001),
  keyId: z.string().min(1).max(2048),
  signature: z
    .string()
    .regex(/^[A-Za-z0-9+/]+={0,2}$/)
    .max(200),
});

/** True for a value that says it is a checkpoint (an export's checkpoint line). */
export const isCheckpointValue = (value: unknown): boolean =>
  value !== null && typeof value === 'object' && (value as { type?: unknown }).type === checkpointType;

/** Reads a checkpoint; the error names the fields that are wrong. */
export function parseCheckpoint(value: unknown): { checkpoint: AuditCheckpoint } | { error: string } {
  const parsed = checkpointSchema.safeParse(value);
  if (parsed.success) return { checkpoint: parsed.data as AuditCheckpoint };
  return { error: `not a Peerguard audit checkpoint (${parsed.error.issues.map((issue) => issue.path.join('.') || 'value').join(', ')})` };
}
