import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { buildEnvelopeCipher, kmsEnvelopeKeyring, localEnvelopeKeyring } from '#shared/adapters/envelope-cipher.ts';
import { DependencyUnavailableError } from '#shared/errors.ts';
import { unmodeledKmsError } from './support.ts';

const summary = 'Reported unwanted contact after the session on 3 March; the clinic manager was told.';
const context = { alertId: 'alert-1', purpose: 'incident-summary' };

describe('envelope cipher with the local AES keyring', () => {
  const cipher = buildEnvelopeCipher(localEnvelopeKeyring(randomBytes(32)));

  it('round-trips a summary', async () => {
    const ciphertext = await cipher.encrypt(summary, context);
    await expect(cipher.decrypt(ciphertext, context)).resolves.toBe(summary);
  });

  it('produces base64 ciphertext that does not contain the plaintext', async () => {
    const ciphertext = await cipher.encrypt(summary, context);
    expect(ciphertext).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(ciphertext).not.toContain('unwanted');
    expect(Buffer.from(ciphertext, 'base64').includes(Buffer.from('unwanted contact'))).toBe(false);
  });

  it('refuses to decrypt under another alert\'s context', async () => {
    const ciphertext = await cipher.encrypt(summary, context);
    await expect(cipher.decrypt(ciphertext, { ...context, alertId: 'alert-2' })).rejects.toThrow('encryption context does not match');
  });

  it('cannot be decrypted with a different local key', async () => {
    const ciphertext = await cipher.encrypt(summary, context);
    const other = buildEnvelopeCipher(localEnvelopeKeyring(randomBytes(32)));
    await expect(other.decrypt(ciphertext, context)).rejects.toThrow();
  });
});

describe('envelope cipher with the KMS keyring', () => {
  const keyArn = 'arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const kms = mockClient(KMSClient);
  const cipher = () => buildEnvelopeCipher(kmsEnvelopeKeyring(new KMSClient({ region: 'eu-west-2' }), keyArn));
  const dataKey = randomBytes(32);
  const wrappedKey = Buffer.from('not-really-wrapped-by-kms');

  beforeEach(() => {
    kms.reset();
    // The keyring zeroes the plaintext key it receives, so each response gets a fresh copy.
    kms.on(GenerateDataKeyCommand).callsFake(() => ({ KeyId: keyArn, Plaintext: new Uint8Array(dataKey), CiphertextBlob: new Uint8Array(wrappedKey) }));
    kms.on(DecryptCommand).callsFake(() => ({ KeyId: keyArn, Plaintext: new Uint8Array(dataKey), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' }));
  });

  it('generates a data key under the configured key, bound to the encryption context, and decrypts through KMS', async () => {
    const ciphertext = await cipher().encrypt(summary, context);
    expect(kms).toHaveReceivedCommandTimes(GenerateDataKeyCommand, 1);
    expect(kms).toHaveReceivedCommandWith(GenerateDataKeyCommand, { KeyId: keyArn, NumberOfBytes: 32 });
    expect(kms.commandCalls(GenerateDataKeyCommand)[0]!.args[0].input.EncryptionContext).toMatchObject(context);

    await expect(cipher().decrypt(ciphertext, context)).resolves.toBe(summary);
    const decryptInput = kms.commandCalls(DecryptCommand)[0]!.args[0].input;
    expect(decryptInput.KeyId).toBe(keyArn);
    expect(Buffer.from(decryptInput.CiphertextBlob!).equals(wrappedKey)).toBe(true);
    expect(decryptInput.EncryptionContext).toMatchObject(context);
  });

  it('refuses to decrypt under another alert\'s context', async () => {
    const ciphertext = await cipher().encrypt(summary, context);
    await expect(cipher().decrypt(ciphertext, { ...context, alertId: 'alert-2' })).rejects.toThrow('encryption context does not match');
  });

  it('turns a throttled GenerateDataKey into a 503', async () => {
    kms.on(GenerateDataKeyCommand).rejects(unmodeledKmsError('ThrottlingException'));
    const error = await cipher().encrypt(summary, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ status: 503, headers: { 'Retry-After': '1' } });
  });

  it('turns a throttled or disabled-key Decrypt into a 503, although the Encryption SDK wraps the KMS error', async () => {
    const ciphertext = await cipher().encrypt(summary, context);
    for (const [name, retryAfter] of [['ThrottlingException', '1'], ['DisabledException', '30']] as const) {
      kms.on(DecryptCommand).rejects(unmodeledKmsError(name));
      const error = await cipher().decrypt(ciphertext, context).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DependencyUnavailableError);
      expect(error).toMatchObject({ status: 503, headers: { 'Retry-After': retryAfter } });
    }
  });

  it('keeps an access-denied Decrypt a server error (misconfiguration, not a retry)', async () => {
    const ciphertext = await cipher().encrypt(summary, context);
    kms.on(DecryptCommand).rejects(unmodeledKmsError('AccessDeniedException'));
    const error = await cipher().decrypt(ciphertext, context).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(DependencyUnavailableError);
    expect((error as Error).name).toBe('AccessDeniedException');
  });
});
