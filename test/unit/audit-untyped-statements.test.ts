import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toJsonLine } from '#shared/audit/export-format.ts';
import { describeRange, manifestLine, type Manifest } from '#shared/audit/manifest.ts';
import { typedStatementsFrom } from '#shared/audit/statement-types.ts';
import { readVerificationKey, verifySignedFile, type VerificationKey } from '#shared/audit/statements.ts';
import { describeResult, verifyExportFile } from '#shared/audit/verify.ts';
import { canonicalJson, sha256Hex } from '#shared/canonical.ts';
import { verificationKey } from '#shared/domain/audit.ts';
import { signStatement } from '#shared/domain/signing.ts';
import type { AuditSeal } from '#shared/records.ts';
import { verifyExportText } from '../../console/src/lib/verify-export.ts';
import { buildTestDeps, type TestDeps } from '../fakes/deps.ts';
import { memoryAuditLog } from '../fakes/memory-audit.ts';

/**
 * Statements signed before statement types carry no `statementType`. They still verify with the
 * network's original key, but only when they say they were signed before typed statements began
 * (`typedStatementsFrom`, 2026-12-04): every statement signed since carries its type, so an
 * untyped one dated later is not the network's. The rule is one (statement-key.ts), and both
 * verifiers apply it: Node's (verify-receipt, verify-export) and the console's (WebCrypto).
 */
let deps: TestDeps;
let keys: VerificationKey;
let dir: string;
const body = { subject: { phone: '+1 860 555 0100' }, note: 'the body as the practice sent it' };

beforeAll(async () => {
  deps = buildTestDeps();
  // The key file counsel saves: the whole answer of GET /v1/audit/verification-key (the audit key signed untyped statements).
  keys = readVerificationKey(JSON.stringify(await verificationKey(deps)));
  dir = mkdtempSync(join(tmpdir(), 'peerguard-untyped-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A receipt as the network signed them before types: no statementType, a plain SHA-256 of the body, the original key. */
async function untypedReceipt(submittedAt: string) {
  const statement = { alertId: 'alt_old', submittedAt, practiceId: 'prc_harbour', contentSha256: sha256Hex(canonicalJson(body)) };
  return { receipt: { ...statement, ...(await signStatement(deps.signer, statement)) }, body };
}

describe('an untyped receipt (verify-receipt)', () => {
  it('signed before typed statements began still verifies with the original key, up to the last instant before the cut-off', async () => {
    expect(typedStatementsFrom).toBe('2026-12-04');
    expect(verifySignedFile(keys, await untypedReceipt('2026-10-01T10:00:00Z'))).toMatchObject({ ok: true });
    expect(verifySignedFile(keys, await untypedReceipt('2026-12-03T23:59:59.999Z'))).toMatchObject({ ok: true });
  });

  it('dated on or after the cut-off is refused, with the reason, even though the original key signed it', async () => {
    for (const submittedAt of ['2026-12-04T00:00:00Z', '2027-03-01T09:00:00Z']) {
      expect(verifySignedFile(keys, await untypedReceipt(submittedAt))).toEqual({
        ok: false,
        reason: `the receipt's statement has no statementType but its submittedAt is ${submittedAt}: every statement signed since 2026-12-04 carries its type, so an untyped one dated then is not the network's`,
      });
    }
  });

  it('with a date that is not an instant (which could not be compared with the cut-off) is refused', async () => {
    expect(verifySignedFile(keys, await untypedReceipt('2026-10-01'))).toEqual({
      ok: false,
      reason:
        "the receipt's statement has no statementType and no submittedAt instant to show it was signed before typed statements began (2026-12-04): it cannot be accepted",
    });
  });

  it('the same rule holds with the old key file of one key (keyId and publicKeyPem only)', async () => {
    const old = { keyId: deps.signer.keyId, publicKeyPem: await deps.signer.publicKeyPem() };
    expect(verifySignedFile(old, await untypedReceipt('2026-10-01T10:00:00Z'))).toMatchObject({ ok: true });
    expect(verifySignedFile(old, await untypedReceipt('2026-12-05T10:00:00Z'))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('no statementType'),
    });
  });
});

/** A one-chain export of before: its manifest untyped (as manifests were signed before types), generated at `generatedAt`. */
async function untypedExport(generatedAt: string): Promise<{ path: string; text: string; manifest: Manifest; seal: AuditSeal }> {
  const log = memoryAuditLog();
  for (let i = 0; i < 4; i += 1) {
    await log.append(
      [
        {
          action: 'alert.approved',
          actor: { keyId: 'key_rev', role: 'reviewer', practiceId: 'prc_elm' },
          targets: { alertId: `alt_${i}` },
          outcome: 'pending_review',
        },
      ],
      new Date(Date.UTC(2026, 10, 2, 9, i)),
    );
  }
  const range = (await log.bounds('2026-11-02T00:00:00Z', '2026-11-03T00:00:00Z'))!;
  const request = {
    exportId: 'exp_0000000000000000000000000b',
    exportedBy: 'key_counsel',
    format: 'jsonl' as const,
    from: '2026-11-02',
    to: '2026-11-02',
    generatedAt,
  };
  const { statementType: _type, ...statement } = describeRange(request, range, deps.signer.keyId);
  const manifest = { ...statement, signature: (await signStatement(deps.signer, statement)).signature } as Manifest;
  const sealed = { type: 'peerguard.audit.seal.v1' as const, seq: range.last.seq, hash: range.last.hash, at: range.last.at, sealedAt: generatedAt };
  const seal = { ...sealed, ...(await signStatement(deps.signer, sealed)) };
  const text = [...log.entries.map(toJsonLine), manifestLine(manifest)].map((line) => `${line}\n`).join('');
  const path = join(dir, `export-${generatedAt.replaceAll(':', '')}.jsonl`);
  writeFileSync(path, text);
  return { path, text, manifest, seal };
}

describe('an untyped manifest and seal (verify-export and the console)', () => {
  it('from before the cut-off verify, in Node and in the browser alike', async () => {
    const { path, text, seal } = await untypedExport('2026-11-21T19:04:05Z');
    const node = await verifyExportFile(path, { key: keys, seals: [seal] });
    expect(node).toMatchObject({ ok: true, signatureChecked: true, entries: 4, sealsMatched: 1 });
    const browser = await verifyExportText(text, 'old.jsonl', { ...keys, keyId: deps.signer.keyId });
    expect(browser.result).toMatchObject({ ok: true, signatureChecked: true, entries: 4 });
    expect(browser.text).toMatch(/^VERIFIED: old.jsonl holds 4 entries/);
  });

  it('dated after the cut-off fail with untyped_statement, and the console says the same words as verify-export', async () => {
    const { path, text } = await untypedExport('2026-12-10T08:00:00Z');
    const node = await verifyExportFile(path, { key: keys });
    expect(node.failure).toEqual({
      code: 'untyped_statement',
      message:
        "the manifest's statement has no statementType but its generatedAt is 2026-12-10T08:00:00Z: every statement signed since 2026-12-04 carries its type, so an untyped one dated then is not the network's",
    });
    const browser = await verifyExportText(text, 'new.jsonl', { ...keys, keyId: deps.signer.keyId });
    expect(browser.result.failure).toEqual(node.failure);
    expect(browser.text).toBe(describeResult(node, 'new.jsonl'));
    expect(browser.text).toMatch(/^FAILED: new.jsonl is not an intact export\. the manifest's statement has no statementType/);
  });

  it('an untyped seal dated after the cut-off is refused as the seal of its seq', async () => {
    const { path, seal } = await untypedExport('2026-11-21T19:04:05Z');
    const late = { ...seal, sealedAt: '2026-12-05T00:15:00Z' };
    const { keyId: _keyId, signature: _signature, ...statement } = late;
    const resigned = { ...late, ...(await signStatement(deps.signer, statement)) };
    expect((await verifyExportFile(path, { key: keys, seals: [resigned] })).failure).toEqual({
      code: 'seal_signature',
      seq: seal.seq,
      message: `the seal of seq ${seal.seq}'s statement has no statementType but its sealedAt is 2026-12-05T00:15:00Z: every statement signed since 2026-12-04 carries its type, so an untyped one dated then is not the network's`,
    });
  });
});
