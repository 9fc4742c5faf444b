import type { SignatureProblem, VerificationKey } from './statements.ts';
import { declaredType, signedAtField, typedStatementsFrom, type StatementType } from './statement-types.ts';

/**
 * The part of every signature check that needs no cryptography: whether a statement of the
 * expected type may be signed by the key it names, and with which public key it must verify. One
 * rule for both verifiers: `checkSignature` (node:crypto, statements.ts) and the console's
 * (WebCrypto, console/src/lib/verify-export.ts).
 *
 * - A typed statement must declare the expected type (a signature on one type never stands for another).
 * - An untyped statement (signed before statement types) is accepted only when it says it was
 *   signed before `typedStatementsFrom`, and only from the network's original key.
 * - With a key file that lists the network's keys, the statement's key must be listed and sign its type;
 *   with a single key that has an id, the statement must name it.
 */
const instant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export function statementKey(
  key: VerificationKey,
  what: string,
  statement: object,
  keyId: string,
  type: StatementType,
): { readonly publicKeyPem: string } | { readonly problem: SignatureProblem } {
  const declared = declaredType(statement);
  if (declared !== undefined && declared !== type) {
    return {
      problem: {
        code: 'bad_signature',
        message: `${what} statement is a ${String(declared)} statement, not a ${type}: a signature on one statement type never stands for another`,
      },
    };
  }
  if (declared === undefined) {
    const field = signedAtField[type];
    const signedAt = (statement as Record<string, unknown>)[field];
    if (typeof signedAt !== 'string' || !instant.test(signedAt) || Number.isNaN(Date.parse(signedAt))) {
      return {
        problem: {
          code: 'untyped_statement',
          message: `${what} statement has no statementType and no ${field} instant to show it was signed before typed statements began (${typedStatementsFrom}): it cannot be accepted`,
        },
      };
    }
    if (Date.parse(signedAt) >= Date.parse(`${typedStatementsFrom}T00:00:00Z`)) {
      return {
        problem: {
          code: 'untyped_statement',
          message: `${what} statement has no statementType but its ${field} is ${signedAt}: every statement signed since ${typedStatementsFrom} carries its type, so an untyped one dated then is not the network's`,
        },
      };
    }
  }
  if (key.keys) {
    const listed = key.keys.find((candidate) => candidate.keyId === keyId);
    if (!listed) {
      return {
        problem: {
          code: 'wrong_key',
          message: `${what} names signing key ${keyId}, which is none of the given keys (${key.keys.map((k) => k.keyId).join(', ')})`,
        },
      };
    }
    if (declared === undefined ? !listed.signedUntypedStatements : !listed.statementTypes.includes(type)) {
      return {
        problem: {
          code: 'wrong_key',
          message:
            declared === undefined
              ? `${what} statement has no statementType, and key ${keyId} signed no statement before statement types`
              : `${what} names key ${keyId}, which does not sign ${type} statements (it signs ${listed.statementTypes.join(', ')})`,
        },
      };
    }
    return { publicKeyPem: listed.publicKeyPem };
  }
  if (key.keyId !== undefined && key.keyId !== keyId) {
    return { problem: { code: 'wrong_key', message: `${what} names signing key ${keyId}, but the given public key is ${key.keyId}` } };
  }
  return { publicKeyPem: key.publicKeyPem };
}

/** The answer when the signature itself does not verify. */
export const signatureMismatch = (what: string): SignatureProblem => ({
  code: 'bad_signature',
  message: `${what} signature does not verify with the given public key: it was changed after signing, or signed by another key`,
});
