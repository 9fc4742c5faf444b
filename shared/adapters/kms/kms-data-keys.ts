import type { DecryptCommandOutput, KMSClient } from '@aws-sdk/client-kms';
import { contextMismatch, type DataKeySource } from '../envelope-cipher.ts';
import type { Metrics } from '../../ports.ts';
import { uncounted } from '../metrics.ts';
import { kmsCall } from './errors.ts';

/**
 * Data keys from KMS: GenerateDataKey (256 bits) under the data key, Decrypt to unwrap. The
 * encryption context goes to KMS with both calls, so KMS itself refuses to unwrap a key for
 * another alert (and CloudTrail records which alert each call was for).
 */
export function kmsDataKeys(client: KMSClient, keyId: string, metrics: Metrics = uncounted): DataKeySource {
  return {
    generate: (context) =>
      kmsCall(
        'encrypt the incident summary',
        async () => {
          const { GenerateDataKeyCommand } = await import('@aws-sdk/client-kms');
          const { Plaintext, CiphertextBlob } = await client.send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 32, EncryptionContext: context }));
          if (Plaintext?.length !== 32 || !CiphertextBlob) throw new Error('KMS GenerateDataKey returned no 256-bit data key');
          return { plaintext: copyAndZero(Plaintext), wrapped: Buffer.from(CiphertextBlob) };
        },
        metrics,
      ),
    unwrap: (wrapped, context) =>
      kmsCall(
        'decrypt the incident summary',
        async () => {
          const { DecryptCommand } = await import('@aws-sdk/client-kms');
          let answer: DecryptCommandOutput;
          try {
            answer = await client.send(new DecryptCommand({ KeyId: keyId, CiphertextBlob: wrapped, EncryptionContext: context }));
          } catch (error) {
            // KMS's answer to another alert's context (or a key that is not this one).
            if (error instanceof Error && error.name === 'InvalidCiphertextException') throw Object.assign(contextMismatch(), { cause: error });
            throw error;
          }
          if (answer.Plaintext?.length !== 32) throw new Error('KMS Decrypt returned no 256-bit data key');
          return copyAndZero(answer.Plaintext);
        },
        metrics,
      ),
  };
}

/** The SDK's response buffer is zeroed once the key is copied out; the cipher zeroes the copy after use. */
function copyAndZero(key: Uint8Array): Buffer {
  const copy = Buffer.from(key);
  key.fill(0);
  return copy;
}
