import * as z from 'zod';
import type { Deps } from '../deps.ts';
import { isoInstant } from '../dates.ts';
import type { AuditCheckpoint, AuditSeal } from '../records.ts';
import { signTypedStatement, verifyStatement } from '../domain/signing.ts';

/** Where a seal is kept: by day, then sequence number, so a listing reads in order. */
export const sealName = (seal: Pick<AuditSeal, 'seq' | 'sealedAt'>): string => `seals/${seal.sealedAt.slice(0, 10)}/${String(seal.seq).padStart(12, '0')}.json`;

/** Where a checkpoint is kept in the same write-once store: by day, then number. */
export const checkpointObjectName = (checkpoint: Pick<AuditCheckpoint, 'number' | 'madeAt'>): string =>
  `checkpoints/${checkpoint.madeAt.slice(0, 10)}/${String(checkpoint.number).padStart(12, '0')}.json`;

/**
 * Seals the chain's current head (the scheduled sweep does this): the head's sequence number and
 * hash, signed with the network's key and written to write-once storage. Rewriting history after
 * a seal would need a chain that still reaches the sealed hash, which SHA-256 rules out.
 */
export async function sealHead(deps: Pick<Deps, 'audit' | 'signer' | 'seals' | 'clock'>): Promise<AuditSeal | undefined> {
  const head = await deps.audit.head();
  if (!head) return undefined;
  const statement = {
    statementType: 'seal' as const,
    type: 'peerguard.audit.seal.v1' as const,
    seq: head.seq,
    hash: head.hash,
    at: head.at,
    sealedAt: isoInstant(deps.clock()),
  };
  const seal: AuditSeal = { ...statement, ...(await signTypedStatement(deps.signer, 'seal', statement)) };
  await deps.seals.put(seal);
  return seal;
}

/** What a seal's signature covers: everything but the key id and the signature. */
export function sealStatement(seal: AuditSeal): Omit<AuditSeal, 'keyId' | 'signature'> {
  const { keyId: _keyId, signature: _signature, ...statement } = seal;
  return statement;
}

/** True when the seal's signature verifies with the network's public key. */
export function verifySeal(seal: AuditSeal, publicKeyPem: string): boolean {
  return verifyStatement(publicKeyPem, sealStatement(seal), seal.signature);
}

const sealSchema = z.strictObject({
  statementType: z.literal('seal').optional(),
  type: z.literal('peerguard.audit.seal.v1'),
  seq: z.number().int().min(1),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.string().min(1),
  sealedAt: z.string().min(1),
  keyId: z.string().min(1),
  signature: z.string().min(1),
});

/** Reads a seal file as the seal store wrote it; throws naming what is wrong. */
export function parseSeal(text: string): AuditSeal {
  const parsed = sealSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`not a Peerguard audit seal (${parsed.error.issues.map((issue) => issue.path.join('.') || 'value').join(', ')})`);
  return parsed.data;
}
