import { createPublicKey } from 'node:crypto';
import * as z from 'zod';
import { canonicalJson, sha256Hex } from '../canonical.ts';
import { verifyStatement } from '../domain/signing.ts';
import { contentDigest, contentKeyPattern, receiptDigestScheme } from './receipt-digest.ts';
import { signatureMismatch, statementKey } from './statement-key.ts';
import { declaredType, statementTypes, type StatementType } from './statement-types.ts';

/**
 * Offline checks of what the network signs: export manifests, checkpoints, seals, submission
 * receipts and publication signatures all go through `checkSignature`, which is
 * `verifyStatement` (ECDSA P-256 / SHA-256 over the canonical JSON of the statement) plus the
 * statement type the caller expects and the key that may sign it (statement-types.ts).
 */
export interface VerificationKey {
  readonly publicKeyPem: string;
  /** Known when the key came from GET /v1/audit/verification-key; then the statement must name it. */
  readonly keyId?: string | undefined;
  /**
   * Every key of the network with what it signs, when the key file lists them (the answer of
   * GET /v1/audit/verification-key does): then a statement must name one of them, of its type.
   */
  readonly keys?: readonly NetworkKey[] | undefined;
}

/** One of the network's signing keys as the verification-key answer lists it. */
export interface NetworkKey {
  readonly keyId: string;
  readonly algorithm: 'ECDSA_SHA_256';
  readonly publicKeyPem: string;
  /** The statement types it signs. */
  readonly statementTypes: readonly StatementType[];
  /** True for the network's original key: it also signed the untyped statements made before statement types. */
  readonly signedUntypedStatements?: boolean | undefined;
}

const networkKey = z.object({
  keyId: z.string().min(1),
  algorithm: z.literal('ECDSA_SHA_256'),
  publicKeyPem: z.string().min(1),
  statementTypes: z.array(z.enum(statementTypes)).min(1),
  signedUntypedStatements: z.boolean().optional(),
});
const keyFile = z.object({
  keyId: z.string().min(1),
  algorithm: z.literal('ECDSA_SHA_256').optional(),
  publicKeyPem: z.string().min(1),
  keys: z.array(networkKey).min(1).optional(),
});

function assertP256(publicKeyPem: string, keyId?: string): void {
  let details: { type: string; curve?: string | undefined };
  try {
    const publicKey = createPublicKey(publicKeyPem);
    details = { type: publicKey.asymmetricKeyType ?? '', curve: publicKey.asymmetricKeyDetails?.namedCurve };
  } catch {
    throw new Error(`the key file holds no readable public key${keyId ? ` for ${keyId}` : ''} (PEM "BEGIN PUBLIC KEY")`);
  }
  if (details.type !== 'ec' || details.curve !== 'prime256v1') throw new Error(`the key${keyId ? ` ${keyId}` : ''} is not an ECDSA P-256 public key`);
}

/** A key file: a PEM public key, or the JSON answer of GET /v1/audit/verification-key (one key, or every key with its statement types). */
export function readVerificationKey(text: string): VerificationKey {
  const trimmed = text.trim();
  let key: VerificationKey = { publicKeyPem: trimmed };
  if (trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch {
      throw new Error('the key file starts like JSON but is not JSON');
    }
    const parsed = keyFile.safeParse(json);
    if (!parsed.success)
      throw new Error('the key file is JSON but not {keyId, publicKeyPem} (with, optionally, keys: [{keyId, publicKeyPem, statementTypes}])');
    key = { publicKeyPem: parsed.data.publicKeyPem, keyId: parsed.data.keyId, ...(parsed.data.keys ? { keys: parsed.data.keys } : {}) };
    for (const listed of key.keys ?? []) assertP256(listed.publicKeyPem, listed.keyId);
  }
  assertP256(key.publicKeyPem);
  return key;
}

export interface SignatureProblem {
  readonly code: 'wrong_key' | 'bad_signature' | 'untyped_statement';
  readonly message: string;
}

/**
 * The one signature check: undefined when `signature` over `statement` verifies as a statement of
 * type `type`. Which key it must verify with, and whether it may lack its type, is statementKey's
 * rule (shared with the console's WebCrypto check); this adds the node:crypto verification.
 */
export function checkSignature(
  key: VerificationKey,
  what: string,
  statement: object,
  signature: string,
  keyId: string,
  type: StatementType,
): SignatureProblem | undefined {
  const chosen = statementKey(key, what, statement, keyId, type);
  if ('problem' in chosen) return chosen.problem;
  let valid = false;
  try {
    valid = verifyStatement(chosen.publicKeyPem, statement, signature);
  } catch {
    valid = false;
  }
  return valid ? undefined : signatureMismatch(what);
}

const base64 = z
  .string()
  .regex(/^[A-Za-z0-9+/]+={0,2}$/)
  .max(200);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

const receiptFile = z.object({
  receipt: z.strictObject({
    /** Present on receipts signed since statement types (inside what is signed). */
    statementType: z.literal('receipt').optional(),
    alertId: z.string().min(1),
    submittedAt: z.string().min(1),
    practiceId: z.string().min(1),
    contentSha256: hex64,
    signature: base64,
    keyId: z.string().min(1),
    /** Present on receipts whose digest is keyed; absent on receipts from before. */
    digest: z.literal(receiptDigestScheme).optional(),
    contentKey: z.string().regex(contentKeyPattern).optional(),
  }),
  body: z.unknown().refine((body) => body !== undefined, 'is required'),
});

const publicationFile = z.object({
  publication: z.strictObject({ statementType: z.literal('publication').optional(), contentSha256: hex64, signature: base64, keyId: z.string().min(1) }),
  statement: z.looseObject({ type: z.literal('peerguard.alert.publication.v1'), alertId: z.string(), publishedAt: z.string() }),
});

export type StatementVerdict = { readonly ok: true; readonly summary: string } | { readonly ok: false; readonly reason: string };

/**
 * Checks a file a practice or counsel keeps:
 * - `{ receipt, body }`: the submission receipt as the 201 answer gave it (with its
 *   `contentKey`) and the JSON body exactly as it was sent. HMAC-SHA-256 of the body's canonical
 *   JSON under the content key must be `receipt.contentSha256` (a receipt from before keyed
 *   digests, without `digest`, takes the plain SHA-256), and the signature must cover
 *   `{alertId, contentSha256, practiceId, submittedAt}`.
 * - `{ publication, statement }`: an alert's publication signature and its publication
 *   statement; the statement's canonical JSON must hash to `publication.contentSha256`.
 * The summary names ids and instants only, never anything from the body.
 */
export function verifySignedFile(key: VerificationKey, file: unknown): StatementVerdict {
  const receipt = receiptFile.safeParse(file);
  if (receipt.success) {
    const { signature, keyId, digest, contentKey, ...statement } = receipt.data.receipt;
    if (digest === receiptDigestScheme) {
      if (contentKey === undefined) {
        return {
          ok: false,
          reason: 'the receipt has no contentKey: keep the receipt exactly as the 201 answer gave it, which is the only place its content key appears',
        };
      }
      const bodyDigest = contentDigest(contentKey, receipt.data.body);
      if (bodyDigest !== statement.contentSha256) {
        return {
          ok: false,
          reason: `the body's keyed digest (HMAC-SHA-256 of its canonical JSON under the receipt's contentKey) is ${bodyDigest}, but the receipt says ${statement.contentSha256}: this is not the body that was submitted, or not its content key`,
        };
      }
    } else {
      const bodySha256 = sha256Hex(canonicalJson(receipt.data.body));
      if (bodySha256 !== statement.contentSha256) {
        return {
          ok: false,
          reason: `the body's SHA-256 (of its canonical JSON) is ${bodySha256}, but the receipt says ${statement.contentSha256}: this is not the body that was submitted`,
        };
      }
    }
    const problem = checkSignature(key, "the receipt's", statement, signature, keyId, 'receipt');
    if (problem) return { ok: false, reason: problem.message };
    return {
      ok: true,
      summary: `submission receipt of alert ${statement.alertId}: practice ${statement.practiceId} submitted this body at ${statement.submittedAt} (signed by ${keyId})`,
    };
  }
  const publication = publicationFile.safeParse(file);
  if (publication.success) {
    const { statement } = publication.data;
    const { contentSha256, signature, keyId, statementType } = publication.data.publication;
    if (statementType !== declaredType(statement)) {
      return {
        ok: false,
        reason: `the publication says statementType ${statementType ?? '(none)'} but its statement says ${String(declaredType(statement) ?? '(none)')}: the statement is not the one this publication signed`,
      };
    }
    const statementSha256 = sha256Hex(canonicalJson(statement));
    if (statementSha256 !== contentSha256) {
      return {
        ok: false,
        reason: `the statement's SHA-256 (of its canonical JSON) is ${statementSha256}, but the publication says ${contentSha256}: the statement was changed`,
      };
    }
    const problem = checkSignature(key, "the publication's", statement, signature, keyId, 'publication');
    if (problem) return { ok: false, reason: problem.message };
    return { ok: true, summary: `publication of alert ${statement.alertId} at ${statement.publishedAt} (signed by ${keyId})` };
  }
  return { ok: false, reason: 'the file is neither {"receipt": …, "body": …} nor {"publication": …, "statement": …}' };
}
