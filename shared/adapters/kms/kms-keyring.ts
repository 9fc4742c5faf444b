import { GenerateMacCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { Keyring } from '../../ports.ts';
import { kmsCall } from './errors.ts';

/** Tokens in AWS: HMAC-SHA-256 computed inside KMS; the key never leaves it. */
export function buildKmsKeyring(client: KMSClient, keyId: string): Keyring {
  return {
    mac: (message) =>
      kmsCall('compute a token', async () => {
        const { Mac } = await client.send(
          new GenerateMacCommand({ KeyId: keyId, MacAlgorithm: 'HMAC_SHA_256', Message: Buffer.from(message, 'utf8') }),
        );
        if (!Mac) throw new Error('KMS GenerateMac returned no MAC');
        return Mac;
      }),
  };
}
