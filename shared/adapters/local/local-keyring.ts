import { createHmac } from 'node:crypto';
import type { Keyring } from '../../ports.ts';

/** Tokens on a laptop: the same HMAC-SHA-256 as KMS GenerateMac, with a local 32-byte key. */
export function buildLocalKeyring(key: Buffer): Keyring {
  return { mac: async (message) => createHmac('sha256', key).update(message, 'utf8').digest() };
}
