import {
  buildClient, CommitmentPolicy, KmsKeyringNode, RawAesKeyringNode, RawAesWrappingSuiteIdentifier, type KeyringNode,
} from '@aws-crypto/client-node';
import {
  DecryptCommand, EncryptCommand, GenerateDataKeyCommand, type DecryptCommandInput, type EncryptCommandInput,
  type GenerateDataKeyCommandInput, type KMSClient,
} from '@aws-sdk/client-kms';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { TextCipher } from '../ports.ts';
import { kmsCall } from './kms/errors.ts';

/**
 * The Encryption SDK folds KMS failures into its own generic errors, which would turn a
 * throttled Decrypt into a 500. Each cipher call keeps the KMS error it met here, so kmsCall
 * can still answer 503 for throttling or a disabled key.
 */
const kmsFailure = new AsyncLocalStorage<{ error?: unknown }>();

function withKmsFailures<T>(what: string, work: () => Promise<T>): Promise<T> {
  const seen: { error?: unknown } = {};
  return kmsFailure.run(seen, () =>
    kmsCall(what, async () => {
      try {
        return await work();
      } catch (error) {
        throw seen.error ?? error;
      }
    }),
  );
}

async function recorded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const seen = kmsFailure.getStore();
    if (seen) seen.error = error;
    throw error;
  }
}

const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

/**
 * Envelope encryption with the AWS Encryption SDK: each summary gets its own data key,
 * wrapped by KMS in AWS or by a local AES key on a laptop. The encryption context binds a
 * ciphertext to its alert and is checked again on decryption.
 */
export function buildEnvelopeCipher(keyring: KeyringNode): TextCipher {
  return {
    encrypt: (plaintext, context) =>
      withKmsFailures('encrypt the incident summary', async () => {
        const { result } = await encrypt(keyring, Buffer.from(plaintext, 'utf8'), { encryptionContext: context });
        return result.toString('base64');
      }),
    decrypt: (ciphertext, context) =>
      withKmsFailures('decrypt the incident summary', async () => {
        const { plaintext, messageHeader } = await decrypt(keyring, Buffer.from(ciphertext, 'base64'));
        for (const [name, value] of Object.entries(context)) {
          if (messageHeader.encryptionContext[name] !== value) throw new Error('encryption context does not match this alert');
        }
        return plaintext.toString('utf8');
      }),
  };
}

export function kmsEnvelopeKeyring(client: KMSClient, keyId: string): KeyringNode {
  // The keyring calls generateDataKey/encrypt/decrypt methods (the aggregated `KMS` shape); a
  // bare KMSClient only has send(), so it is adapted here.
  const kms = {
    generateDataKey: (input: GenerateDataKeyCommandInput) => recorded(() => client.send(new GenerateDataKeyCommand(input))),
    encrypt: (input: EncryptCommandInput) => recorded(() => client.send(new EncryptCommand(input))),
    decrypt: (input: DecryptCommandInput) => recorded(() => client.send(new DecryptCommand(input))),
  };
  return new KmsKeyringNode({ generatorKeyId: keyId, clientProvider: () => kms });
}

export function localEnvelopeKeyring(key: Buffer): KeyringNode {
  return new RawAesKeyringNode({
    keyNamespace: 'peerguard-local',
    keyName: 'incident-summary',
    unencryptedMasterKey: new Uint8Array(key),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
}
