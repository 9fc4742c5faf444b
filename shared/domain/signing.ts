import { createPublicKey, verify } from 'node:crypto';
import { canonicalJson } from '../canonical.ts';
import type { Signer } from '../ports.ts';

/** Signs the canonical JSON of a statement (ECDSA P-256, SHA-256, DER, base64). */
export async function signStatement(signer: Signer, statement: object): Promise<{ signature: string; keyId: string }> {
  const signature = await signer.sign(Buffer.from(canonicalJson(statement), 'utf8'));
  return { signature: Buffer.from(signature).toString('base64'), keyId: signer.keyId };
}

/** Checks a signature made by signStatement with only the public key: what a practice or court runs. */
export function verifyStatement(publicKeyPem: string, statement: object, signatureBase64: string): boolean {
  return verify('sha256', Buffer.from(canonicalJson(statement), 'utf8'), createPublicKey(publicKeyPem), Buffer.from(signatureBase64, 'base64'));
}
