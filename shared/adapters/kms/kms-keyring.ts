import type { KMSClient } from '@aws-sdk/client-kms';
import type { Keyring, Metrics } from '../../ports.ts';
import { uncounted } from '../metrics.ts';
import { kmsCall } from './errors.ts';

/**
 * Tokens in AWS: HMAC-SHA-256 computed inside KMS; the key never leaves it. `previous` are the
 * keys a rotation replaced (version and key id, newest first), still used to look up old alerts.
 */
export function buildKmsKeyring(
  client: KMSClient,
  keyId: string,
  version = 'k1',
  previous: readonly { version: string; keyId: string }[] = [],
  metrics: Metrics = uncounted,
): Keyring {
  return {
    version,
    previous: previous.map((older) => buildKmsKeyring(client, older.keyId, older.version, [], metrics)),
    mac: (message) =>
      kmsCall(
        'compute a token',
        async () => {
          const { GenerateMacCommand } = await import('@aws-sdk/client-kms');
          const { Mac } = await client.send(new GenerateMacCommand({ KeyId: keyId, MacAlgorithm: 'HMAC_SHA_256', Message: Buffer.from(message, 'utf8') }));
          if (!Mac) throw new Error('KMS GenerateMac returned no MAC');
          return Mac;
        },
        metrics,
      ),
  };
}
