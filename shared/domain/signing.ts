import { createPublicKey, verify } from 'node:crypto';
import { canonicalJson } from '../canonical.ts';
import type { Signer } from '../ports.ts';
import { declaredType, purposeOfType, type StatementType } from '../audit/statement-types.ts';

/** Signs the canonical JSON of a statement (ECDSA P-256, SHA-256, DER, base64). */
export async function signStatement(signer: Signer, statement: object): Promise<{ signature: string; keyId: string }> {
  const signature = await signer.sign(Buffer.from(canonicalJson(statement), 'utf8'));
  return { signature: Buffer.from(signature).toString('base64'), keyId: signer.keyId };
}

/**
 * Signs a statement of one type: the statement must carry `statementType: type` (so the type is
 * inside what is signed), and the signer must be a key of that type's purpose (a signer that
 * names its purpose; the KMS key policies enforce the same in AWS).
 */
export async function signTypedStatement<T extends { readonly statementType: StatementType }>(
  signer: Signer,
  type: T['statementType'],
  statement: T,
): Promise<{ signature: string; keyId: string }> {
  if (declaredType(statement) !== type) throw new Error(`a ${type} statement must carry statementType "${type}"`);
  if (signer.purpose !== undefined && signer.purpose !== purposeOfType(type)) {
    throw new Error(`the ${signer.purpose} key does not sign ${type} statements (they are signed with the ${purposeOfType(type)} key)`);
  }
  return signStatement(signer, statement);
}

/** Checks a signature made by signStatement with only the public key: what a practice or court runs. */
export function verifyStatement(publicKeyPem: string, statement: object, signatureBase64: string): boolean {
  return verify('sha256', Buffer.from(canonicalJson(statement), 'utf8'), createPublicKey(publicKeyPem), Buffer.from(signatureBase64, 'base64'));
}
