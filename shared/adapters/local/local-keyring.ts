import { createHmac } from 'node:crypto';
import type { Keyring } from '../../ports.ts';

/**
 * Tokens on a laptop: the same HMAC-SHA-256 as KMS GenerateMac, with a local 32-byte key.
 * `previous` are the keys a rotation replaced, newest first (used for lookups only).
 */
export function buildLocalKeyring(key: Buffer, version = 'k1', previous: readonly Keyring[] = []): Keyring {
  return { version, previous, mac: async (message) => createHmac('sha256', key).update(message, 'utf8').digest() };
}
