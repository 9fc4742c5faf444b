import { createPublicKey } from 'node:crypto';
import * as z from 'zod';
import { canonicalJson, sha256Hex } from '../canonical.ts';
import { verifyStatement } from '../domain/signing.ts';
import { contentDigest, contentKeyPattern, receiptDigestScheme } from './receipt-digest.ts';

/**
 * Offline checks of what the network signs: export manifests, submission receipts and
 * publication signatures all go through `checkSignature`, which is `verifyStatement` (ECDSA
 * P-256 / SHA-256 over the canonical JSON of the statement) plus a key-id comparison.
 */
export interface VerificationKey {
  readonly publicKeyPem: string;
  /** Known when the key came from GET /v1/audit/verification-key; then the statement must name it. */
  readonly keyId?: string | undefined;
}

const keyFile = z.object({ keyId: z.string().min(1), algorithm: z.literal('ECDSA_SHA_256').optional(), publicKeyPem: z.string().min(1) });

/** A key file: a PEM public key, or the JSON answer of GET /v1/audit/verification-key. */
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
    if (!parsed.success) throw new Error('the key file is JSON but not {keyId, publicKeyPem}');
    key = { publicKeyPem: parsed.data.publicKeyPem, keyId: parsed.data.keyId };
  }
  let details: { type: string; curve?: string | undefined };
  try {
    const publicKey = createPublicKey(key.publicKeyPem);
    details = { type: publicKey.asymmetricKeyType ?? '', curve: publicKey.asymmetricKeyDetails?.namedCurve };
  } catch {
    throw new Error('the key file holds no readable public key (PEM "BEGIN PUBLIC KEY")');
  }
  if (details.type !== 'ec' || details.curve !== 'prime256v1') throw new Error('the key is not an ECDSA P-256 public key');
  return key;
}

export interface SignatureProblem {
  readonly code: 'wrong_key' | 'bad_signature';
  readonly message: string;
}

/** The one signature check: undefined when `signature` over `statement` verifies with `key`. */
export function checkSignature(key: VerificationKey, what: string, statement: object, signature: string, keyId: string): SignatureProblem | undefined {
  if (key.keyId !== undefined && key.keyId !== keyId) {
    return { code: 'wrong_key', message: `${what} names signing key ${keyId}, but the given public key is ${key.keyId}` };
  }
  let valid = false;
  try {
    valid = verifyStatement(key.publicKeyPem, statement, signature);
  } catch {
    valid = false;
  }
  if (!valid) {
    return {
      code: 'bad_signature',
      message: `${what} signature does not verify with the given public key: it was changed after signing, or signed by another key`,
    };
  }
  return undefined;
}

const base64 = z
  .string()
  .regex(/^[A-Za-z0-9+/]+={0,2}$/)
  .max(200);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

const receiptFile = z.object({
  receipt: z.strictObject({
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
  publication: z.strictObject({ contentSha256: hex64, signature: base64, keyId: z.string().min(1) }),
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
    const problem = checkSignature(key, "the receipt's", statement, signature, keyId);
    if (problem) return { ok: false, reason: problem.message };
    return {
      ok: true,
      summary: `submission receipt of alert ${statement.alertId}: practice ${statement.practiceId} submitted this body at ${statement.submittedAt} (signed by ${keyId})`,
    };
  }
  const publication = publicationFile.safeParse(file);
  if (publication.success) {
    const { statement } = publication.data;
    const { contentSha256, signature, keyId } = publication.data.publication;
    const statementSha256 = sha256Hex(canonicalJson(statement));
    if (statementSha256 !== contentSha256) {
      return {
        ok: false,
        reason: `the statement's SHA-256 (of its canonical JSON) is ${statementSha256}, but the publication says ${contentSha256}: the statement was changed`,
      };
    }
    const problem = checkSignature(key, "the publication's", statement, signature, keyId);
    if (problem) return { ok: false, reason: problem.message };
    return { ok: true, summary: `publication of alert ${statement.alertId} at ${statement.publishedAt} (signed by ${keyId})` };
  }
  return { ok: false, reason: 'the file is neither {"receipt": …, "body": …} nor {"publication": …, "statement": …}' };
}
