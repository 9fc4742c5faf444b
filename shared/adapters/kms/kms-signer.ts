import type { KMSClient } from '@aws-sdk/client-kms';
import type { Metrics, Signer } from '../../ports.ts';
import { uncounted } from '../metrics.ts';
import { kmsCall } from './errors.ts';
import { derToPem } from '../public-key-pem.ts';

/** Receipts and publications in AWS: ECDSA P-256 / SHA-256 with a KMS asymmetric key. */
export function buildKmsSigner(client: KMSClient, keyId: string, metrics: Metrics = uncounted): Signer {
  let publicKey: Promise<string> | undefined;
  return {
    keyId,
    sign: (message) =>
      kmsCall(
        'sign',
        async () => {
          const { SignCommand } = await import('@aws-sdk/client-kms');
          const { Signature } = await client.send(new SignCommand({ KeyId: keyId, Message: message, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }));
          if (!Signature) throw new Error('KMS Sign returned no signature');
          return Signature;
        },
        metrics,
      ),
    publicKeyPem: () => {
      publicKey ??= kmsCall(
        'read the public key',
        async () => {
          const { GetPublicKeyCommand } = await import('@aws-sdk/client-kms');
          const { PublicKey } = await client.send(new GetPublicKeyCommand({ KeyId: keyId }));
          if (!PublicKey) throw new Error('KMS GetPublicKey returned no key');
          return derToPem(PublicKey);
        },
        metrics,
      ).catch((error: unknown) => {
        publicKey = undefined;
        throw error;
      });
      return publicKey;
    },
  };
}
