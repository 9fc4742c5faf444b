import { createHash } from 'node:crypto';
import type { AuthorizerResult } from '#functions/authorizer.ts';

type Authorize = (event: { headers: Record<string, string | undefined>; identitySource: string[] }) => Promise<AuthorizerResult>;

export interface AuthorizerCache {
  /** The authorizer's answer for this Authorization header: remembered for a valid key, asked afresh otherwise. */
  authorize: Authorize;
  /** Forgets every remembered answer for a key the moment it is revoked through this server. */
  forgetKey(keyId: string): void;
}

/** More keys than a network has; beyond this the oldest remembered answer is dropped first. */
const maxEntries = 10_000;

/**
 * What API Gateway's authorizer cache does in AWS (`resultsCacheTtl`, keyed by the Authorization
 * header), for the local server: a valid key's answer is remembered for `ttlSeconds`, so a
 * request costs no key lookup. Only valid keys are remembered (a stranger's guesses never fill
 * the cache), entries are keyed by the header's SHA-256 (the cache holds no key), and a key
 * revoked through this server is forgotten at once; one revoked elsewhere (`npm run admin` in
 * another process) stops working within `ttlSeconds`, as in AWS. `ttlSeconds` 0 turns it off.
 */
export function cachedAuthorizer(authorizer: Authorize, ttlSeconds: number, now: () => number = Date.now): AuthorizerCache {
  const remembered = new Map<string, { result: AuthorizerResult; keyId: string; until: number }>();
  return {
    authorize: async (event) => {
      if (ttlSeconds <= 0) return authorizer(event);
      const header = event.identitySource[0] ?? '';
      const slot = createHash('sha256').update(header).digest('base64url');
      const hit = remembered.get(slot);
      if (hit && hit.until > now()) return hit.result;
      remembered.delete(slot);
      const result = await authorizer(event);
      const keyId = result.context.authenticated === 'true' ? result.context.keyId : undefined;
      if (keyId) {
        if (remembered.size >= maxEntries) remembered.delete(remembered.keys().next().value!);
        remembered.set(slot, { result, keyId, until: now() + ttlSeconds * 1000 });
      }
      return result;
    },
    forgetKey: (keyId) => {
      for (const [slot, entry] of remembered) if (entry.keyId === keyId) remembered.delete(slot);
    },
  };
}
