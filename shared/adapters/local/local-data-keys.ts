import { randomBytes } from 'node:crypto';
import { canonicalJson } from '../../canonical.ts';
import { openAesGcm, sealAesGcm } from '../aes-gcm.ts';
import { contextMismatch, type DataKeySource } from '../envelope-cipher.ts';

/**
 * The laptop's stand-in for KMS data keys: each data key is wrapped with AES-256-GCM under the
 * local key in `DATA_DIR/keys/data.key`, with the canonical encryption context as additional data.
 */
export function localDataKeys(localKey: Buffer): DataKeySource {
  const bound = (context: Record<string, string>) => Buffer.from(`peerguard-local/data-key:${canonicalJson(context)}`, 'utf8');
  return {
    generate: async (context) => {
      const plaintext = randomBytes(32);
      return { plaintext, wrapped: sealAesGcm(localKey, plaintext, bound(context)) };
    },
    unwrap: async (wrapped, context) => openAesGcm(localKey, wrapped, bound(context), contextMismatch),
  };
}
