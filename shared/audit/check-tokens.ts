import { sha256Hex } from '../canonical.ts';

/**
 * How a check's audit entry keeps the tokens it looked up. Storing the tokens themselves would
 * give whoever reads an export a trail of one client across practices and days (the same token
 * in every entry). Instead each booking keeps, per token, the SHA-256 of the check's own id and
 * the token: two checks of the same person share nothing, and one entry can only be matched by
 * someone who already holds the token — which takes the network's HMAC key, or a metered,
 * audited lookup (POST /v1/audit/subject-tokens).
 */
export const checkTokenDigest = (checkId: string, token: string): string => sha256Hex(`peerguard.check-token.v1|${checkId}|${token}`);

/** The tokens of `wanted` that this booking looked up, whichever form its entry keeps them in. */
export function tokensInBooking(
  booking: { readonly checkId?: string | undefined; readonly tokenDigests?: readonly string[] | undefined; readonly tokens?: readonly string[] | undefined },
  wanted: Iterable<string>,
): string[] {
  const found: string[] = [];
  const digests = new Set(booking.tokenDigests ?? []);
  const legacy = new Set(booking.tokens ?? []);
  for (const token of wanted) {
    // Entries written before the digests held the tokens themselves.
    if (legacy.has(token) || (booking.checkId !== undefined && digests.has(checkTokenDigest(booking.checkId, token)))) found.push(token);
  }
  return found;
}
