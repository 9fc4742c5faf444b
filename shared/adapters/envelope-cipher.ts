import { canonicalJson } from '../canonical.ts';
import type { TextCipher } from '../ports.ts';
import { openAesGcm, sealAesGcm } from './aes-gcm.ts';

/**
 * Where data keys come from: KMS in AWS (`kms/kms-data-keys.ts`), a local AES key on a laptop
 * (`local/local-data-keys.ts`). Both bind the wrapped key to the encryption context, so it
 * unwraps only for the alert it was made for.
 */
export interface DataKeySource {
  /** A fresh 256-bit data key, and the same key wrapped (encrypted) for storage. */
  generate(context: Record<string, string>): Promise<{ plaintext: Buffer; wrapped: Buffer }>;
  /** The data key back from its wrapped form; fails for another context or another wrapping key. */
  unwrap(wrapped: Buffer, context: Record<string, string>): Promise<Buffer>;
}

/** "PGE" and format version 1: the first bytes of every stored ciphertext. */
const formatHeader = Buffer.from([0x50, 0x47, 0x45, 0x01]);

export const contextMismatch = () =>
  new Error(
    'The incident summary could not be decrypted: the encryption context does not match this alert, or the key or ciphertext is not the one it was written with.',
  );

/** The summary's additional data: the stored header and wrapped key, then the canonical encryption context. */
const additionalData = (prefix: Buffer, context: Record<string, string>) => Buffer.concat([prefix, Buffer.from(canonicalJson(context), 'utf8')]);

/**
 * Envelope encryption: each summary gets its own AES-256 data key; the summary is sealed with
 * AES-256-GCM and the data key is stored wrapped next to it. Stored as base64 of
 *
 *   "PGE" 0x01 | wrapped key length (uint16 BE) | wrapped key | IV (12) | GCM tag (16) | ciphertext
 *
 * with everything before the IV plus the canonical encryption context as GCM additional data.
 */
export function buildEnvelopeCipher(dataKeys: DataKeySource): TextCipher {
  return {
    encrypt: async (plaintext, context) => {
      const key = await dataKeys.generate(context);
      try {
        const length = Buffer.alloc(2);
        length.writeUInt16BE(key.wrapped.length);
        const prefix = Buffer.concat([formatHeader, length, key.wrapped]);
        const sealed = sealAesGcm(key.plaintext, Buffer.from(plaintext, 'utf8'), additionalData(prefix, context));
        return Buffer.concat([prefix, sealed]).toString('base64');
      } finally {
        key.plaintext.fill(0);
      }
    },
    decrypt: async (ciphertext, context) => {
      const bytes = Buffer.from(ciphertext, 'base64');
      const lengthAt = formatHeader.length;
      if (bytes.length < lengthAt + 2 || !bytes.subarray(0, lengthAt).equals(formatHeader)) {
        throw new Error('The incident summary is not in the stored format this version reads ("PGE" version 1).');
      }
      const wrappedEnd = lengthAt + 2 + bytes.readUInt16BE(lengthAt);
      if (bytes.length <= wrappedEnd) throw new Error('The incident summary ciphertext is truncated.');
      const prefix = bytes.subarray(0, wrappedEnd);
      const key = await dataKeys.unwrap(Buffer.from(prefix.subarray(lengthAt + 2)), context);
      try {
        return openAesGcm(key, bytes.subarray(wrappedEnd), additionalData(prefix, context), contextMismatch).toString('utf8');
      } finally {
        key.fill(0);
      }
    },
  };
}
