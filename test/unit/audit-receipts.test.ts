import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '#shared/canonical.ts';
import { readVerificationKey, verifySignedFile, type VerificationKey } from '#shared/audit/statements.ts';
import { getAlert, submitAlert } from '#shared/domain/alerts.ts';
import { decideReview } from '#shared/domain/reviews.ts';
import { signStatement } from '#shared/domain/signing.ts';
import { contentDigest } from '#shared/audit/receipt-digest.ts';
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
    expect(!wrongBody.ok && wrongBody.reason).toMatch(
      /^the body's keyed digest \(HMAC-SHA-256 of its canonical JSON under the receipt's contentKey\) is [0-9a-f]{64}, but the receipt says [0-9a-f]{64}: this is not the body that was submitted, or not its content key$/,
    );
    const moved = verifySignedFile(key, { ...file, receipt: { ...file.receipt, submittedAt: '2026-01-01T00:00:00Z' } });
    expect(moved).toEqual({
      ok: false,
      reason: "the receipt's signature does not verify with the given public key: it was changed after signing, or signed by another key",
    });
  });

  it('checks through the CLI, printing ids only (never the body)', async () => {
    const file = await submitted();
    const printed: string[] = [];
    const keyPath = write(key.publicKeyPem);
    expect(await runVerifyReceipt([write(JSON.stringify(file)), '--key', keyPath], (line) => printed.push(line))).toBe(0);
    expect(printed[0]).toMatch(/^VERIFIED: submission receipt of alert alt_/);
    const tampered = { ...file, body: { ...file.body, subject: { ...file.body.subject, phone: '+1 860 555 0100' } } };
    expect(await runVerifyReceipt([write(JSON.stringify(tampered)), '--key', keyPath], (line) => printed.push(line))).toBe(1);
    expect(printed[1]).toMatch(/^FAILED: the body's keyed digest/);
    expect(await runVerifyReceipt([write('{"receipt": '), '--key', keyPath], (line) => printed.push(line))).toBe(2);
    const output = printed.join('\n');
    for (const value of Object.values(canarySubject)) expect(output).not.toContain(value);
    // Nor the tampered phone (checked in forms a hex digest cannot hold by chance).
    for (const form of ['860 555 0100', '8605550100']) expect(output).not.toContain(form);
  });
});

describe('the receipt digest is keyed: nobody but the submitter can test guesses against it', () => {
  /** What a reviewer or admin sees of an alert, and counsel of its audit entry, plus every field of the body but the phone. */
  async function whatOthersHold() {
    const { receipt, body } = await submitted();
    const stored = (await net.deps.alerts.get(receipt.alertId))!;
    const entry = net.deps.memory.audit.entries.find((e) => e.action === 'alert.submitted' && e.targets.alertId === receipt.alertId)!;
    return { receipt, body, storedDigest: stored.receipt.contentSha256!, auditedDigest: entry.detail!.contentSha256 as string };
  }

  it('an offline dictionary over phone numbers, with the rest of the body known, does not find the phone', async () => {
    const { receipt, body, storedDigest, auditedDigest } = await whatOthersHold();
    expect(storedDigest).toBe(receipt.contentSha256);
    expect(auditedDigest).toBe(receipt.contentSha256);
    // The attack the review ran: the real phone is among the guesses.
    const guesses = ['+1 860 555 0100', '+1 860 555 0101', body.subject.phone, '+1 860 555 0102'];
    const plain = guesses.filter((phone) => sha256Hex(canonicalJson({ ...body, subject: { ...body.subject, phone } })) === storedDigest);
    expect(plain).toEqual([]);
    // Only with the content key, which the 201 answer alone carries, does the real body match.
    const keyed = guesses.filter((phone) => contentDigest(receipt.contentKey, { ...body, subject: { ...body.subject, phone } }) === storedDigest);
    expect(keyed).toEqual([body.subject.phone]);
  });

  it('the content key is in the 201 answer only: not stored with the alert, not in its views, not in the audit log', async () => {
    const { receipt } = await whatOthersHold();
    expect(receipt.contentKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(receipt.digest).toBe('hmac-sha256');
    const stored = JSON.stringify(net.deps.memory.alerts.dump());
    const audit = JSON.stringify(net.deps.memory.audit.entries);
    const views = JSON.stringify([await getAlert(net.deps, net.admin, receipt.alertId), await getAlert(net.deps, net.reviewerB, receipt.alertId)]);
    for (const text of [stored, audit, views]) expect(text).not.toContain(receipt.contentKey);
  });

  it('a replay of the same Idempotency-Key hands back the same content key, kept only encrypted meanwhile', async () => {
    const body = submissionJson(net.clause);
    const first = await submitAlert(net.deps, net.practiceA, submission(net.clause), { submitted: body, idempotencyKey: 'replay-receipt-1' });
    const again = await submitAlert(net.deps, net.practiceA, submission(net.clause), { submitted: body, idempotencyKey: 'replay-receipt-1' });
    expect(again).toEqual(first);
    expect(JSON.stringify(net.deps.memory.alerts.dump())).not.toContain(first.receipt.contentKey);
    expect(verifySignedFile(key, { receipt: again.receipt, body })).toMatchObject({ ok: true });
  });

  it('a receipt without its content key does not verify, and says where the key was', async () => {
    const { receipt, body } = await submitted();
    const { contentKey: _key, ...withoutKey } = receipt;
    expect(verifySignedFile(key, { receipt: withoutKey, body })).toEqual({
      ok: false,
      reason: 'the receipt has no contentKey: keep the receipt exactly as the 201 answer gave it, which is the only place its content key appears',
    });
  });

  it('a receipt from before keyed digests (plain SHA-256, no digest field) still verifies with its body', async () => {
    const body = submissionJson(net.clause);
    const statement = {
      alertId: 'alt_legacy',
      submittedAt: '2026-10-01T10:00:00Z',
      practiceId: net.practiceA.practiceId!,
      contentSha256: sha256Hex(canonicalJson(body)),
    };
    const legacy = { ...statement, ...(await signStatement(net.deps.signer, statement)) };
    expect(verifySignedFile(key, { receipt: legacy, body })).toMatchObject({ ok: true });
  });

  it('an alert stored with a plain digest is read without it, and written back without it', async () => {
    const { receipt } = await submitted();
    const stored = net.deps.memory.alerts.dump().alerts.find((alert) => alert.alertId === receipt.alertId)!;
    // Plant the old form: the receipt as it used to be stored (plain digest, no `digest` field).
    const { digest: _scheme, ...old } = stored.receipt;
    const legacyDigest = 'a'.repeat(64);
    await net.deps.memory.alerts.update(
      { ...stored, receipt: { ...old, contentSha256: legacyDigest }, version: stored.version + 1 },
      stored.version,
      undefined,
      { events: [], now: net.deps.clock() },
    );
    const read = (await net.deps.alerts.get(receipt.alertId))!;
    expect(read.receipt.contentSha256).toBeUndefined();
    expect(JSON.stringify(await getAlert(net.deps, net.admin, receipt.alertId))).not.toContain(legacyDigest);
    await decideReview(net.deps, net.reviewerB, receipt.alertId, { decision: 'approve', reason: 'ok' });
    expect(JSON.stringify(net.deps.memory.alerts.dump())).not.toContain(legacyDigest);
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
    expect(verifySignedFile(key, changed)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^the statement's SHA-256 .* the statement was changed$/),
    });
    const resealed = { ...changed, publication: { ...alert.publication!, contentSha256: sha256Hex(canonicalJson(changed.statement)) } };
    expect(verifySignedFile(key, resealed)).toEqual({
      ok: false,
      reason: "the publication's signature does not verify with the given public key: it was changed after signing, or signed by another key",
    });
  });

  it('refuses a file that is neither kind', () => {
    expect(verifySignedFile(key, { something: 1 })).toEqual({
      ok: false,
      reason: 'the file is neither {"receipt": …, "body": …} nor {"publication": …, "statement": …}',
    });
  });
});
