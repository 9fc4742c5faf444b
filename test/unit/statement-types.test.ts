import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildLocalSigner } from '#shared/adapters/local/local-signer.ts';
import { canonicalJson, sha256Hex } from '#shared/canonical.ts';
import { statementTypes, typesOfPurpose } from '#shared/audit/statement-types.ts';
import { checkSignature, readVerificationKey, verifySignedFile, type VerificationKey } from '#shared/audit/statements.ts';
import { verificationKey } from '#shared/domain/audit.ts';
import { signStatement, signTypedStatement } from '#shared/domain/signing.ts';
import type { Signer } from '#shared/ports.ts';
import { buildTestDeps, type TestDeps } from '../fakes/deps.ts';

/**
 * Domain separation: each statement carries its type inside what is signed, each type belongs to
 * one key, and the verifier is told which type it expects. A signature made for one type never
 * verifies as another, and a key never signs (or verifies) a type that is not its own.
 */
const pem = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
let deps: TestDeps;
let keys: VerificationKey;
const receipt = {
  statementType: 'receipt' as const,
  alertId: 'alt_1',
  submittedAt: '2026-11-21T19:04:05Z',
  practiceId: 'prc_1',
  contentSha256: 'a'.repeat(64),
};

beforeAll(async () => {
  deps = buildTestDeps();
  // The key file counsel saves: the whole answer of GET /v1/audit/verification-key.
  keys = readVerificationKey(JSON.stringify(await verificationKey(deps)));
});

describe('statement types', () => {
  it('are receipt, publication, manifest, checkpoint and seal, each signed by exactly one key purpose', () => {
    expect(statementTypes).toEqual(['receipt', 'publication', 'manifest', 'checkpoint', 'seal']);
    expect([...typesOfPurpose.alert, ...typesOfPurpose.audit].sort()).toEqual([...statementTypes].sort());
  });

  it('a signer refuses a statement without its type, and a type of the other key', async () => {
    const { statementType: _type, ...untyped } = receipt;
    await expect(signTypedStatement(deps.alertSigner, 'receipt', untyped as unknown as typeof receipt)).rejects.toThrow(
      'a receipt statement must carry statementType "receipt"',
    );
    await expect(signTypedStatement(deps.alertSigner, 'manifest', { ...receipt, statementType: 'manifest' })).rejects.toThrow(
      'the alert key does not sign manifest statements',
    );
    await expect(signTypedStatement(deps.signer, 'receipt', receipt)).rejects.toThrow('the audit key does not sign receipt statements');
    await expect(signTypedStatement(deps.signer, 'checkpoint', { statementType: 'checkpoint', root: 'b'.repeat(64) })).resolves.toMatchObject({
      keyId: deps.signer.keyId,
    });
  });

  it('a signature over one type never verifies as another, even with every other field equal', async () => {
    const { signature, keyId } = await signTypedStatement(deps.alertSigner, 'receipt', receipt);
    expect(checkSignature(keys, "the receipt's", receipt, signature, keyId, 'receipt')).toBeUndefined();
    // Asked to verify it as a publication: the statement says what it is.
    expect(checkSignature(keys, "the publication's", receipt, signature, keyId, 'publication')).toEqual({
      code: 'bad_signature',
      message: "the publication's statement is a receipt statement, not a publication: a signature on one statement type never stands for another",
    });
    // Relabelled: the type is inside what was signed, so the signature no longer verifies.
    expect(checkSignature(keys, "the publication's", { ...receipt, statementType: 'publication' }, signature, keyId, 'publication')).toMatchObject({
      code: 'bad_signature',
    });
  });

  it("a key cannot stand for another's types: a manifest signed with the alert key (the alerts function's) is refused", async () => {
    const forged = { statementType: 'manifest' as const, type: 'manifest', exportId: 'exp_x' };
    const { signature, keyId } = await signStatement(deps.alertSigner, forged);
    expect(checkSignature(keys, "the manifest's", forged, signature, keyId, 'manifest')).toEqual({
      code: 'wrong_key',
      message: `the manifest's names key ${deps.alertSigner.keyId}, which does not sign manifest statements (it signs receipt, publication)`,
    });
    // A key that is not the network's at all.
    const stranger: Signer = buildLocalSigner(pem());
    const other = await signStatement(stranger, forged);
    expect(checkSignature(keys, "the manifest's", forged, other.signature, other.keyId, 'manifest')).toMatchObject({ code: 'wrong_key' });
  });

  it('statements from before types verify with the original (audit) key only', async () => {
    const { statementType: _type, ...legacy } = receipt;
    const byAudit = await signStatement(deps.signer, legacy);
    expect(checkSignature(keys, "the receipt's", legacy, byAudit.signature, byAudit.keyId, 'receipt')).toBeUndefined();
    const byAlert = await signStatement(deps.alertSigner, legacy);
    expect(checkSignature(keys, "the receipt's", legacy, byAlert.signature, byAlert.keyId, 'receipt')).toEqual({
      code: 'wrong_key',
      message: `the receipt's statement has no statementType, and key ${deps.alertSigner.keyId} signed no statement before statement types`,
    });
  });

  it('the old key file (keyId and publicKeyPem only, as older clients saved it) still reads, and verifies what its key signed', async () => {
    const answer = await verificationKey(deps);
    const old = readVerificationKey(JSON.stringify({ keyId: answer.keyId, algorithm: answer.algorithm, publicKeyPem: answer.publicKeyPem }));
    expect(old).toEqual({ keyId: deps.signer.keyId, publicKeyPem: await deps.signer.publicKeyPem() });
    const seal = { statementType: 'seal' as const, type: 'peerguard.audit.seal.v1', seq: 1, hash: 'c'.repeat(64) };
    const signed = await signTypedStatement(deps.signer, 'seal', seal);
    expect(checkSignature(old, "the seal's", seal, signed.signature, signed.keyId, 'seal')).toBeUndefined();
    // A receipt names the alert key, which the old file does not hold.
    const onReceipt = await signTypedStatement(deps.alertSigner, 'receipt', receipt);
    expect(checkSignature(old, "the receipt's", receipt, onReceipt.signature, onReceipt.keyId, 'receipt')).toMatchObject({ code: 'wrong_key' });
  });

  it('a key file listing a key that is not P-256 is refused', async () => {
    const answer = await verificationKey(deps);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const bad = { ...answer, keys: [answer.keys[0], { ...answer.keys[1], publicKeyPem: rsa }] };
    expect(() => readVerificationKey(JSON.stringify(bad))).toThrow(`the key ${deps.alertSigner.keyId} is not an ECDSA P-256 public key`);
  });

  it('a stage still on one key answers it once, with every type', async () => {
    const single = buildTestDeps();
    const answer = await verificationKey({ signer: single.signer, alertSigner: single.signer });
    expect(answer.keys).toEqual([
      {
        keyId: single.signer.keyId,
        algorithm: 'ECDSA_SHA_256',
        publicKeyPem: await single.signer.publicKeyPem(),
        statementTypes: [...typesOfPurpose.alert, ...typesOfPurpose.audit],
        signedUntypedStatements: true,
      },
    ]);
  });

  it('a publication file whose statement lost or changed its type is refused before any signature check', async () => {
    const statement = { statementType: 'publication' as const, type: 'peerguard.alert.publication.v1', alertId: 'alt_1', publishedAt: '2026-11-21T19:04:05Z' };
    const signed = await signTypedStatement(deps.alertSigner, 'publication', statement);
    const publication = { statementType: 'publication' as const, contentSha256: sha256Hex(canonicalJson(statement)), ...signed };
    expect(verifySignedFile(keys, { publication, statement })).toMatchObject({ ok: true });
    const { statementType: _type, ...untyped } = statement;
    expect(verifySignedFile(keys, { publication, statement: untyped })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^the publication says statementType publication but its statement says \(none\)/),
    });
  });
});
