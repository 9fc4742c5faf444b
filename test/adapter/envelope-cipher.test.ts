import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { buildEnvelopeCipher } from '#shared/adapters/envelope-cipher.ts';
import { kmsDataKeys } from '#shared/adapters/kms/kms-data-keys.ts';
import { localDataKeys } from '#shared/adapters/local/local-data-keys.ts';
import { DependencyUnavailableError } from '#shared/errors.ts';
import { unmodeledKmsError } from './support.ts';

const summary = 'Reported unwanted contact after the session on 3 March; the clinic manager was told.';
const context = { alertId: 'alert-1', purpose: 'incident-summary' };

describe('envelope cipher with the local AES keyring', () => {
  const cipher = buildEnvelopeCipher(localDataKeys(randomBytes(32)));

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

  it("refuses to decrypt under another alert's context", async () => {
    const ciphertext = await cipher.encrypt(summary, context);
    await expect(cipher.decrypt(ciphertext, { ...context, alertId: 'alert-2' })).rejects.toThrow('encryption context does not match');
  });

  it('cannot be decrypted with a different local key', async () => {
    const ciphertext = await cipher.encrypt(summary, context);
    const other = buildEnvelopeCipher(localDataKeys(randomBytes(32)));
    await expect(other.decrypt(ciphertext, context)).rejects.toThrow();
  });

  it('stores the versioned format: "PGE" 0x01, the wrapped key\'s length and the wrapped key, then IV, tag and ciphertext', async () => {
    const bytes = Buffer.from(await cipher.encrypt(summary, context), 'base64');
    expect([...bytes.subarray(0, 4)]).toEqual([0x50, 0x47, 0x45, 0x01]);
    const wrappedLength = bytes.readUInt16BE(4);
    expect(wrappedLength).toBe(12 + 16 + 32); // the local source wraps the 32-byte data key with AES-256-GCM
    expect(bytes.length).toBe(6 + wrappedLength + 12 + 16 + Buffer.byteLength(summary, 'utf8'));
  });

  it('refuses a ciphertext with any byte altered (header, wrapped key, IV, tag or body)', async () => {
    const bytes = Buffer.from(await cipher.encrypt(summary, context), 'base64');
    for (const at of [3, 10, 6 + 60 + 1, 6 + 60 + 12 + 1, bytes.length - 1]) {
      const altered = Buffer.from(bytes);
      altered[at] = altered[at]! ^ 0x01;
      await expect(cipher.decrypt(altered.toString('base64'), context), `byte ${at}`).rejects.toThrow();
    }
  });

  it('says so when a stored summary is not in this format (an AWS Encryption SDK message from before version 1)', async () => {
    const encryptionSdkMessage = Buffer.from([0x02, 0x05, 0x78, ...randomBytes(80)]).toString('base64');
    await expect(cipher.decrypt(encryptionSdkMessage, context)).rejects.toThrow('not in the stored format this version reads');
  });
});

describe('envelope cipher with the KMS keyring', () => {
  const keyArn = 'arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const kms = mockClient(KMSClient);
  const cipher = () => buildEnvelopeCipher(kmsDataKeys(new KMSClient({ region: 'eu-west-2' }), keyArn));
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

  it("refuses to decrypt under another alert's context", async () => {
    const ciphertext = await cipher().encrypt(summary, context);
    await expect(cipher().decrypt(ciphertext, { ...context, alertId: 'alert-2' })).rejects.toThrow('encryption context does not match');
  });

  it('turns a throttled GenerateDataKey into a 503', async () => {
    kms.on(GenerateDataKeyCommand).rejects(unmodeledKmsError('ThrottlingException'));
    const error = await cipher()
      .encrypt(summary, context)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ kind: 'dependency_unavailable', retryAfterSeconds: 1 });
  });

  it('turns a throttled or disabled-key Decrypt into a 503', async () => {
    const ciphertext = await cipher().encrypt(summary, context);
    for (const [name, retryAfter] of [
      ['ThrottlingException', '1'],
      ['DisabledException', '30'],
    ] as const) {
      kms.on(DecryptCommand).rejects(unmodeledKmsError(name));
      const error = await cipher()
        .decrypt(ciphertext, context)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DependencyUnavailableError);
      expect(error).toMatchObject({ kind: 'dependency_unavailable', retryAfterSeconds: Number(retryAfter) });
    }
  });

  it('reports KMS refusing the wrapped key for another context as a context mismatch, not as a 503', async () => {
    const ciphertext = await cipher().encrypt(summary, context);
    kms.on(DecryptCommand).rejects(Object.assign(new Error('invalid ciphertext'), { name: 'InvalidCiphertextException' }));
    const error = await cipher()
      .decrypt(ciphertext, { ...context, alertId: 'alert-2' })
      .catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(DependencyUnavailableError);
    expect((error as Error).message).toContain('encryption context does not match');
    expect(kms.commandCalls(DecryptCommand)[0]!.args[0].input.EncryptionContext).toEqual({ ...context, alertId: 'alert-2' });
  });

  it('keeps an access-denied Decrypt a server error (misconfiguration, not a retry)', async () => {
    const ciphertext = await cipher().encrypt(summary, context);
    kms.on(DecryptCommand).rejects(unmodeledKmsError('AccessDeniedException'));
    const error = await cipher()
      .decrypt(ciphertext, context)
      .catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(DependencyUnavailableError);
    expect((error as Error).name).toBe('AccessDeniedException');
  });
});
