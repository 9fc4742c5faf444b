import { generateKeyPairSync, sign } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetPublicKeyCommand, KMSClient, KMSInvalidStateException, SignCommand } from '@aws-sdk/client-kms';
import { buildKmsSigner } from '#shared/adapters/kms/kms-signer.ts';
import { buildLocalSigner } from '#shared/adapters/local/local-signer.ts';
import { signStatement, verifyStatement } from '#shared/domain/signing.ts';
import { DependencyUnavailableError } from '#shared/errors.ts';
import { unmodeledKmsError } from './support.ts';

const keyId = 'arn:aws:kms:eu-west-2:111122223333:key/signing-key';
// Stands in for the KMS key: the mock signs with it exactly as KMS Sign (RAW, ECDSA_SHA_256, DER) would.
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const spkiDer = publicKey.export({ type: 'spki', format: 'der' });
const statement = { alertId: 'a-1', contentSha256: 'ab'.repeat(32), submittedAt: '2025-01-01T00:00:00Z' };

const kms = mockClient(KMSClient);
const client = new KMSClient({ region: 'eu-west-2' });

beforeEach(() => {
  kms.reset();
  kms.on(SignCommand).callsFake((input: { Message: Uint8Array }) => ({ Signature: sign('sha256', input.Message, privateKey), KeyId: keyId }));
  kms.on(GetPublicKeyCommand).resolves({ PublicKey: new Uint8Array(spkiDer), KeyId: keyId });
});

describe('KMS signer', () => {
  it('asks KMS for a RAW ECDSA_SHA_256 signature with its key', async () => {
    const message = Buffer.from('canonical statement', 'utf8');
    await buildKmsSigner(client, keyId).sign(message);
    expect(kms).toHaveReceivedCommandWith(SignCommand, { KeyId: keyId, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' });
    expect(Buffer.from(kms.commandCalls(SignCommand)[0]!.args[0].input.Message!).equals(message)).toBe(true);
  });

  it('produces statements that verify with its PEM public key, in the same format as the local signer', async () => {
    const kmsSigner = buildKmsSigner(client, keyId);
    const signed = await signStatement(kmsSigner, statement);
    const pem = await kmsSigner.publicKeyPem();

    expect(signed.keyId).toBe(keyId);
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    expect(verifyStatement(pem, statement, signed.signature)).toBe(true);
    expect(verifyStatement(pem, { ...statement, alertId: 'a-2' }, signed.signature)).toBe(false);

    const localSigner = buildLocalSigner(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    expect(await localSigner.publicKeyPem()).toBe(pem);
    const local = await signStatement(localSigner, statement);
    expect(verifyStatement(pem, statement, local.signature)).toBe(true);
  });

  it('reads the public key once and serves it from the cache after', async () => {
    const signer = buildKmsSigner(client, keyId);
    const [first, second] = await Promise.all([signer.publicKeyPem(), signer.publicKeyPem()]);
    expect(await signer.publicKeyPem()).toBe(first);
    expect(second).toBe(first);
    expect(kms).toHaveReceivedCommandExactlyOnceWith(GetPublicKeyCommand, { KeyId: keyId });
  });

  it('does not cache a failure: the next call asks KMS again', async () => {
    kms
      .on(GetPublicKeyCommand)
      .rejectsOnce(unmodeledKmsError('ThrottlingException'))
      .resolves({ PublicKey: new Uint8Array(spkiDer), KeyId: keyId });
    const signer = buildKmsSigner(client, keyId);

    await expect(signer.publicKeyPem()).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(signer.publicKeyPem()).resolves.toContain('BEGIN PUBLIC KEY');
    expect(kms).toHaveReceivedCommandTimes(GetPublicKeyCommand, 2);
  });

  it('turns a key in an invalid state into a 503 with Retry-After', async () => {
    kms.on(SignCommand).rejects(new KMSInvalidStateException({ message: 'pending deletion', $metadata: {} }));
    await expect(buildKmsSigner(client, keyId).sign(Buffer.from('x'))).rejects.toMatchObject({
      name: 'DependencyUnavailableError',
      kind: 'dependency_unavailable',
      retryAfterSeconds: 30,
    });
  });

  it('fails when KMS returns no signature', async () => {
    kms.on(SignCommand).resolves({ KeyId: keyId });
    await expect(buildKmsSigner(client, keyId).sign(Buffer.from('x'))).rejects.toThrow('returned no signature');
  });
});
