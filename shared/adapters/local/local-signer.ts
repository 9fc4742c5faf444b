import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import type { Signer } from '../../ports.ts';
import type { KeyPurpose } from '../../audit/statement-types.ts';
import { derToPem } from '../public-key-pem.ts';

/** Signatures on a laptop: ECDSA P-256 / SHA-256, DER, exactly what KMS Sign returns. */
export function buildLocalSigner(privateKeyPem: string, purpose?: KeyPurpose): Signer {
  const privateKey = createPrivateKey(privateKeyPem);
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  return {
    keyId: `local:${createHash('sha256').update(spki).digest('hex').slice(0, 16)}`,
    purpose,
    sign: async (message) => sign('sha256', message, privateKey),
    publicKeyPem: async () => derToPem(spki),
  };
}
