import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '#shared/canonical.ts';
import { readVerificationKey, verifySignedFile, type VerificationKey } from '#shared/audit/statements.ts';
import { submitAlert } from '#shared/domain/alerts.ts';
import { publicationStatement } from '#shared/domain/publication.ts';
import { verificationKey } from '#shared/domain/audit.ts';
import { runVerifyReceipt } from '../../cli/commands/verify-receipt.ts';
import { canarySubject, publishedAlert, submissionJson, submission, testNetwork, type TestNetwork } from '../fakes/fixtures.ts';

/**
 * A practice proves what it submitted (receipt + body) and anyone proves a publication
 * (publication + statement) offline, with the public key alone, through the same signature
 * check as export manifests. Nothing from the body is ever printed.
 */
let net: TestNetwork;
let key: VerificationKey;
let dir: string;
let counter = 0;
const write = (content: string) => {
  const path = join(dir, `file-${(counter += 1)}.json`);
  writeFileSync(path, content);
  return path;
};

beforeAll(async () => {
  net = await testNetwork();
  key = readVerificationKey(JSON.stringify(await verificationKey(net.deps)));
  dir = mkdtempSync(join(tmpdir(), 'peerguard-receipts-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function submitted() {
  const body = submissionJson(net.clause);
  const { receipt } = await submitAlert(net.deps, net.practiceA, submission(net.clause), { submitted: body });
  return { receipt, body };
}

describe('a submission receipt', () => {
  it('verifies against the body exactly as sent', async () => {
    const file = await submitted();
    expect(verifySignedFile(key, file)).toEqual({
      ok: true,
      summary: `submission receipt of alert ${file.receipt.alertId}: practice ${file.receipt.practiceId} submitted this body at ${file.receipt.submittedAt} (signed by ${net.deps.signer.keyId})`,
    });
  });

  it('does not verify another body, nor a receipt whose fields were changed', async () => {
    const file = await submitted();
    const otherBody = { ...file.body, incident: { ...file.body.incident, severity: 'low' } };
    const wrongBody = verifySignedFile(key, { ...file, body: otherBody });
    expect(wrongBody.ok).toBe(false);
    expect(!wrongBody.ok && wrongBody.reason).toMatch(/^the body's SHA-256 \(of its canonical JSON\) is [0-9a-f]{64}, but the receipt says [0-9a-f]{64}: this is not the body that was submitted$/);
    const moved = verifySignedFile(key, { ...file, receipt: { ...file.receipt, submittedAt: '2026-01-01T00:00:00Z' } });
    expect(moved).toEqual({ ok: false, reason: "the receipt's signature does not verify with the given public key: it was changed after signing, or signed by another key" });
  });

  it('checks through the CLI, printing ids only (never the body)', async () => {
    const file = await submitted();
    const printed: string[] = [];
    const keyPath = write(key.publicKeyPem);
    expect(await runVerifyReceipt([write(JSON.stringify(file)), '--key', keyPath], (line) => printed.push(line))).toBe(0);
    expect(printed[0]).toMatch(/^VERIFIED: submission receipt of alert alt_/);
    const tampered = { ...file, body: { ...file.body, subject: { ...file.body.subject, phone: '+1 860 555 0100' } } };
    expect(await runVerifyReceipt([write(JSON.stringify(tampered)), '--key', keyPath], (line) => printed.push(line))).toBe(1);
    expect(printed[1]).toMatch(/^FAILED: the body's SHA-256/);
    expect(await runVerifyReceipt([write('{"receipt": '), '--key', keyPath], (line) => printed.push(line))).toBe(2);
    const output = printed.join('\n');
    for (const value of Object.values(canarySubject)) expect(output).not.toContain(value);
    // Nor the tampered phone (checked in forms a hex digest cannot hold by chance).
    for (const form of ['860 555 0100', '8605550100']) expect(output).not.toContain(form);
  });
});

describe('a publication signature', () => {
  it('verifies with its publication statement, and not once the statement is changed', async () => {
    const alertId = await publishedAlert(net);
    const alert = (await net.deps.alerts.get(alertId))!;
    const file = { publication: alert.publication, statement: publicationStatement(alert) };
    expect(verifySignedFile(key, JSON.parse(JSON.stringify(file)))).toEqual({
      ok: true,
      summary: `publication of alert ${alertId} at ${alert.publishedAt} (signed by ${net.deps.signer.keyId})`,
    });
    const changed = { ...file, statement: { ...file.statement, severity: 'low' } };
    expect(verifySignedFile(key, changed)).toMatchObject({ ok: false, reason: expect.stringMatching(/^the statement's SHA-256 .* the statement was changed$/) });
    const resealed = { ...changed, publication: { ...alert.publication!, contentSha256: sha256Hex(canonicalJson(changed.statement)) } };
    expect(verifySignedFile(key, resealed)).toEqual({ ok: false, reason: "the publication's signature does not verify with the given public key: it was changed after signing, or signed by another key" });
  });

  it('refuses a file that is neither kind', () => {
    expect(verifySignedFile(key, { something: 1 })).toEqual({ ok: false, reason: 'the file is neither {"receipt": …, "body": …} nor {"publication": …, "statement": …}' });
  });
});
