import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header Cal.com signs each webhook delivery in (lower-case, as API Gateway and Node hand headers over). */
export const calcomSignatureHeader = 'x-cal-signature-256';

/**
 * Cal.com's signature of a delivery: the hex HMAC-SHA256 of the raw body under the webhook's
 * secret (`createWebhookSignature` in Cal.com's packages/features/webhooks/lib/sendPayload.ts).
 * Without a secret Cal.com sends the literal `no-secret-provided`, which never verifies here.
 */
export function calcomSignature(secret: string, body: Uint8Array): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** True when `presented` is the signature of exactly these bytes; compared in constant time. */
export function signatureMatches(secret: string, body: Uint8Array, presented: string | undefined): boolean {
  if (presented === undefined || !/^[0-9a-fA-F]{64}$/.test(presented.trim())) return false;
  const expected = Buffer.from(calcomSignature(secret, body), 'hex');
  const given = Buffer.from(presented.trim(), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
