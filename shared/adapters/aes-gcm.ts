import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const ivBytes = 12;
const tagBytes = 16;

/** AES-256-GCM with a fresh random IV: returns IV (12) | tag (16) | ciphertext. */
export function sealAesGcm(key: Buffer, data: Buffer, additionalData: Buffer): Buffer {
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(additionalData);
  const sealed = Buffer.concat([cipher.update(data), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]);
}

/**
 * Opens what `sealAesGcm` sealed. A wrong key, other additional data (another encryption
 * context) or altered bytes all fail the same way, with `failure()`'s error.
 */
export function openAesGcm(key: Buffer, sealed: Buffer, additionalData: Buffer, failure: () => Error): Buffer {
  if (sealed.length < ivBytes + tagBytes) throw failure();
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, ivBytes));
    decipher.setAAD(additionalData);
    decipher.setAuthTag(sealed.subarray(ivBytes, ivBytes + tagBytes));
    return Buffer.concat([decipher.update(sealed.subarray(ivBytes + tagBytes)), decipher.final()]);
  } catch {
    throw failure();
  }
}
