import { createHmac, randomBytes } from 'node:crypto';
import { canonicalJson } from '../canonical.ts';

/**
 * The digest of a submitted body in its receipt. A plain SHA-256 of the body would let anyone
 * who sees the digest and the rest of the body (a reviewer, an admin, counsel) try candidate
 * phone numbers or names offline until one hashes to it. So the digest is keyed: HMAC-SHA-256
 * of the body's canonical JSON under a fresh random 256-bit `contentKey` that only the
 * submitting practice receives (in its 201 answer) and the network never stores in the clear.
 */
export const receiptDigestScheme = 'hmac-sha256' as const;

/** A fresh content key, base64url (43 characters). */
export const newContentKey = (): string => randomBytes(32).toString('base64url');

/** Hex HMAC-SHA-256 of the canonical JSON of `body`, keyed with the base64url `contentKey`. */
export function contentDigest(contentKey: string, body: unknown): string {
  return createHmac('sha256', Buffer.from(contentKey, 'base64url')).update(canonicalJson(body), 'utf8').digest('hex');
}

/** What a content key looks like: 32 bytes, base64url without padding. */
export const contentKeyPattern = /^[A-Za-z0-9_-]{43}$/;
