import { mkdtempSync, rmSync } from 'node:fs';
import { contentDigest } from '#shared/audit/receipt-digest.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeps } from '#shared/runtime.ts';
import { canonicalJson, sha256Hex } from '#shared/canonical.ts';
import { verifyStatement } from '#shared/domain/signing.ts';
import type { Deps } from '#shared/deps.ts';
import { createLocalServer } from '../../infra/local/server.ts';
import { workingAdminKey } from '../../infra/local/admin-key.ts';
import { freshLocalConfig } from '../support/tables.ts';
import { apiClient, type Call } from '../support/api-client.ts';
import { alertBody, setUpNetwork } from '../support/story.ts';

/**
 * The whole story over HTTP through the local server and DynamoDB Local: a practice submits,
 * two reviewers from other practices publish, a third practice screens bookings.
 */
let server: Server;
let call: Call;
let deps: Deps;
let dataDir: string;
let adminKey: string;
let net: Awaited<ReturnType<typeof setUpNetwork>>;
const requestLog: string[] = [];

const subject = { fullName: 'Brannigan Testcase-Oyelaran', dateOfBirth: '1980-02-29', phone: '+1 860 555 0100', email: ' B.Oyelaran@Example.org ' };

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'peerguard-story-'));
  const config = await freshLocalConfig(dataDir);
  deps = buildDeps(config);
  adminKey = await workingAdminKey(deps, dataDir);
  server = createLocalServer(deps, (line) => requestLog.push(line));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  call = apiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  net = await setUpNetwork(call, adminKey);
});

afterAll(async () => {
  await new Promise((done) => server.close(done));
  rmSync(dataDir, { recursive: true, force: true });
});

async function submit(body: unknown, key = net.keys.harbourDesk.apiKey, headers: Record<string, string> = {}) {
  return call('POST', '/v1/alerts', { key, body, headers });
}

async function publish(alertId: string) {
  const first = await call('POST', `/v1/alerts/${alertId}/reviews`, {
    key: net.keys.elmReviewer.apiKey,
    body: { decision: 'approve', reason: 'Record is specific and consent proof is in order.' },
  });
  expect(first.status).toBe(200);
  expect(first.body.status).toBe('pending_review');
  const second = await call('POST', `/v1/alerts/${alertId}/reviews`, { key: net.keys.valleyReviewer.apiKey, body: { decision: 'approve', reason: 'Agree.' } });
  expect(second.status).toBe(200);
  return second;
}

const check = (subjectFields: Record<string, string>, key = net.keys.valleyDesk.apiKey) =>
  call('POST', '/v1/checks', { key, body: { subject: subjectFields } });

describe('submit, review, publish, screen', () => {
  let alertId: string;

  it('accepts a submission with a receipt the practice can verify with the public key', async () => {
    const body = alertBody(net.clause, subject);
    const answer = await submit(body);
    expect(answer.status).toBe(201);
    expect(answer.body.status).toBe('pending_review');
    alertId = answer.body.alertId;
    const { signature, keyId, digest, contentKey, ...statement } = answer.body.receipt;
    expect(digest).toBe('hmac-sha256');
    expect(statement.contentSha256).toBe(contentDigest(contentKey, body));
    expect(statement.contentSha256).not.toBe(sha256Hex(canonicalJson(body)));
    expect(keyId).toBe(deps.signer.keyId);
    expect(verifyStatement(await deps.signer.publicKeyPem(), statement, signature)).toBe(true);
    expect(verifyStatement(await deps.signer.publicKeyPem(), { ...statement, practiceId: net.practices.elm }, signature)).toBe(false);
  });

  it('does not match while the alert is only pending review', async () => {
    expect((await check({ phone: '860.555.0100' })).body.result).toBe('no_match');
  });

  it('shows the alert to reviewers of other practices, with the summary, and never their own', async () => {
    const queue = await call('GET', '/v1/reviews/queue', { key: net.keys.elmReviewer.apiKey });
    expect(queue.status).toBe(200);
    const item = queue.body.items.find((entry: { alertId: string }) => entry.alertId === alertId);
    expect(item.incident.summary).toContain('sexual advances');
    expect(item.approvals).toBe(0);
    const own = await call('GET', '/v1/reviews/queue', { key: net.keys.harbourReviewer.apiKey });
    expect(own.body.items.map((entry: { alertId: string }) => entry.alertId)).not.toContain(alertId);
  });

  it('refuses a reviewer of the submitting practice (403) and a second decision (409)', async () => {
    const conflicted = await call('POST', `/v1/alerts/${alertId}/reviews`, {
      key: net.keys.harbourReviewer.apiKey,
      body: { decision: 'approve', reason: 'mine' },
    });
    expect(conflicted.status).toBe(403);
    expect(conflicted.headers.get('content-type')).toContain('application/problem+json');
    const published = await publish(alertId);
    expect(published.body.status).toBe('published');
    expect(published.body.publishedAt).toMatch(/Z$/);
    const again = await call('POST', `/v1/alerts/${alertId}/reviews`, {
      key: net.keys.elmReviewer.apiKey,
      body: { decision: 'reject', reason: 'changed my mind' },
    });
    expect(again.status).toBe(409);
  });

  it('publishes with expiry 730 days out and a signature over the publication', async () => {
    const view = await call('GET', `/v1/alerts/${alertId}`, { key: adminKey });
    expect(view.status).toBe(200);
    expect(Date.parse(view.body.expiresAt) - Date.parse(view.body.publishedAt)).toBe(730 * 86_400_000);
    expect(view.body.publication.keyId).toBe(deps.signer.keyId);
    expect(view.body.approvals).toBe(2);
  });

  it.each(['(860) 555-0100', '860.555.0100', '+1 860 555 0100'])('matches a third practice screening phone %s', async (phone) => {
    const answer = await check({ phone });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ result: 'match', confidence: 'strong', matchedOn: ['phone'], reportingPractices: 1 });
    expect(answer.body.alerts).toEqual([
      {
        category: 'sexual_misconduct',
        severity: 'high',
        publishedOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        confidence: 'strong',
        matchedOn: ['phone'],
      },
    ]);
    expect(answer.text).not.toContain(net.practices.harbour);
  });

  it('matches on e-mail and on name with date of birth, strongly; on name alone, only possibly', async () => {
    expect((await check({ email: 'b.oyelaran@example.org' })).body).toMatchObject({ result: 'match', confidence: 'strong', matchedOn: ['email'] });
    expect((await check({ fullName: 'BRANNIGAN  testcase oyelaran', dateOfBirth: '1980-02-29' })).body).toMatchObject({
      confidence: 'strong',
      matchedOn: ['name_dob', 'pair_dob', 'nickname_dob', 'phonetic_dob', 'edit_dob', 'dob_variant', 'name'],
    });
    const withoutMiddleName = (await check({ fullName: 'Oyelaran, Brannigan', dateOfBirth: '1980-02-29' })).body;
    expect(withoutMiddleName).toMatchObject({ result: 'match', confidence: 'possible' });
    expect(withoutMiddleName.matchedOn).toContain('pair_dob');
    expect((await check({ fullName: 'Brannigan Testcase Oyelaran' })).body).toMatchObject({ result: 'match', confidence: 'possible', matchedOn: ['name'] });
  });

  it('does not match other people', async () => {
    expect((await check({ phone: '+1 860 555 0199' })).body.result).toBe('no_match');
    // The same name with a date of birth two digits away is another person, not a weaker match.
    expect((await check({ fullName: 'Brannigan Testcase-Oyelaran', dateOfBirth: '1981-02-28' })).body.result).toBe('no_match');
    expect((await check({ email: 'someone.else@example.org' })).body).toEqual({
      checkId: expect.stringMatching(/^chk_/),
      result: 'no_match',
      padding: expect.stringMatching(/^ +$/),
    });
  });

  it("matches the reporting practice's own screening too", async () => {
    expect((await check({ phone: '8605550100' }, net.keys.harbourDesk.apiKey)).body.result).toBe('match');
  });

  it('shows a practice its own alert without summary, tokens or reviewer identities', async () => {
    const view = await call('GET', `/v1/alerts/${alertId}`, { key: net.keys.harbourDesk.apiKey });
    expect(view.status).toBe(200);
    expect(Object.keys(view.body).sort()).toEqual([
      'alertId',
      'category',
      'expiresAt',
      'history',
      'publishedAt',
      'reviews',
      'severity',
      'status',
      'submittedAt',
    ]);
    expect(view.text).not.toContain('sexual advances');
    expect(view.text).not.toContain(net.keys.elmReviewer.keyId);
  });

  it("hides another practice's alert behind a 404 (no read, no retract)", async () => {
    expect((await call('GET', `/v1/alerts/${alertId}`, { key: net.keys.valleyDesk.apiKey })).status).toBe(404);
    const retract = await call('POST', `/v1/alerts/${alertId}/retract`, { key: net.keys.valleyDesk.apiKey, body: { reason: 'not mine' } });
    expect(retract.status).toBe(404);
    expect((await call('GET', '/v1/alerts/alt_00000000000000000000000000', { key: net.keys.harbourDesk.apiKey })).status).toBe(404);
  });

  it('stops matching once the submitting practice retracts, and refuses to retract twice', async () => {
    const retract = await call('POST', `/v1/alerts/${alertId}/retract`, {
      key: net.keys.harbourDesk.apiKey,
      body: { reason: 'Entered against the wrong client.' },
    });
    expect(retract.status).toBe(200);
    expect(retract.body.status).toBe('retracted');
    expect((await check({ phone: '860.555.0100' })).body.result).toBe('no_match');
    expect((await check({ email: 'b.oyelaran@example.org' })).body.result).toBe('no_match');
    const twice = await call('POST', `/v1/alerts/${alertId}/retract`, { key: net.keys.harbourDesk.apiKey, body: { reason: 'again' } });
    expect(twice.status).toBe(409);
  });
});

describe('review outcomes', () => {
  it('ends an alert as rejected on one rejection', async () => {
    const { body } = await submit(alertBody(net.clause, { phone: '+1 203 555 0142' }));
    const reject = await call('POST', `/v1/alerts/${body.alertId}/reviews`, {
      key: net.keys.valleyReviewer.apiKey,
      body: { decision: 'reject', reason: 'Not a safety incident.' },
    });
    expect(reject.body.status).toBe('rejected');
    expect((await check({ phone: '203-555-0142' })).body.result).toBe('no_match');
    expect((await call('POST', `/v1/alerts/${body.alertId}/retract`, { key: net.keys.harbourDesk.apiKey, body: { reason: 'x' } })).status).toBe(409);
  });

  it('needs two different practices: two approvals from one practice do not publish', async () => {
    const { body } = await submit(alertBody(net.clause, { phone: '+1 203 555 0143' }));
    for (const reviewer of [net.keys.elmReviewer, net.keys.elmReviewer2]) {
      const answer = await call('POST', `/v1/alerts/${body.alertId}/reviews`, { key: reviewer.apiKey, body: { decision: 'approve', reason: 'ok' } });
      expect(answer.body.status).toBe('pending_review');
    }
    expect((await check({ phone: '203-555-0143' })).body.result).toBe('no_match');
  });
});

describe('idempotent submission', () => {
  it('returns the first answer for the same key and body, and 409 for a different body', async () => {
    const body = alertBody(net.clause, { phone: '+1 203 555 0150' });
    const headers = { 'Idempotency-Key': 'booking-sys-42' };
    const first = await submit(body, undefined, headers);
    const second = await submit(body, undefined, headers);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    const different = await submit(alertBody(net.clause, { phone: '+1 203 555 0151' }), undefined, headers);
    expect(different.status).toBe(409);
    const queue = await call('GET', '/v1/reviews/queue', { key: net.keys.valleyReviewer.apiKey });
    expect(queue.body.items.filter((item: { alertId: string }) => item.alertId === first.body.alertId)).toHaveLength(1);
  });
});

describe('authentication and roles', () => {
  it('answers 401 for a missing, malformed or unknown key, with a problem document', async () => {
    for (const key of [undefined, 'nonsense', 'pg.key_00000000000000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      const answer = await call('POST', '/v1/checks', { key, body: { subject: { phone: '8605550100' } } });
      expect(answer.status).toBe(401);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(answer.body.status).toBe(401);
    }
  });

  it('answers 403 for a role the route does not allow', async () => {
    expect((await check({ phone: '8605550100' }, net.keys.elmReviewer.apiKey)).status).toBe(403);
    expect((await call('POST', '/v1/practices', { key: net.keys.harbourDesk.apiKey, body: { name: 'x', region: 'y' } })).status).toBe(403);
    expect((await call('GET', '/v1/reviews/queue', { key: net.keys.auditor.apiKey })).status).toBe(403);
    expect((await call('POST', '/v1/alerts', { key: adminKey, body: {} })).status).toBe(403);
    expect((await call('GET', '/v1/consent-clauses', { key: net.keys.auditor.apiKey })).status).toBe(200);
  });

  it('stops a revoked key at once', async () => {
    const created = await call('POST', '/v1/keys', { key: adminKey, body: { role: 'practice', practiceId: net.practices.valley, label: 'temp' } });
    expect((await check({ phone: '8605550100' }, created.body.apiKey)).status).toBe(200);
    expect((await call('DELETE', `/v1/keys/${created.body.keyId}`, { key: adminKey })).status).toBe(204);
    expect((await check({ phone: '8605550100' }, created.body.apiKey)).status).toBe(401);
    expect((await call('DELETE', '/v1/keys/key_00000000000000000000000000', { key: adminKey })).status).toBe(404);
  });

  it('needs a practice for practice and reviewer keys', async () => {
    const answer = await call('POST', '/v1/keys', { key: adminKey, body: { role: 'reviewer', label: 'no practice' } });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ path: 'practiceId', message: expect.any(String) }]);
    const ghost = await call('POST', '/v1/keys', { key: adminKey, body: { role: 'practice', practiceId: 'prc_00000000000000000000000000', label: 'ghost' } });
    expect(ghost.status).toBe(400);
  });
});

describe('bad input', () => {
  it('names every bad field and rejects unknown ones', async () => {
    const body = alertBody(net.clause, { phone: 'not a phone' }) as any;
    body.incident.category = 'rudeness';
    body.consent.clauseSha256 = 'ABC';
    body.extra = true;
    const answer = await submit(body);
    expect(answer.status).toBe(400);
    expect(answer.body.errors.map((error: { path: string }) => error.path).sort()).toEqual([
      '(unrecognised field name)',
      'consent.clauseSha256',
      'incident.category',
      'subject.phone',
    ]);
    expect(answer.text).not.toContain('not a phone');
  });

  it('checks the consent proof against the published clause and the dates', async () => {
    const wrongHash = alertBody({ ...net.clause, sha256: 'a'.repeat(64) }, { phone: '+1 203 555 0160' });
    expect((await submit(wrongHash)).body.errors).toEqual([{ path: 'consent.clauseSha256', message: expect.any(String) }]);
    const unknownVersion = alertBody({ ...net.clause, version: 9 }, { phone: '+1 203 555 0160' });
    expect((await submit(unknownVersion)).body.errors[0].path).toBe('consent.clauseVersion');
    const late = alertBody(net.clause, { phone: '+1 203 555 0160' });
    late.consent.signedOn = '2026-11-03';
    expect((await submit(late)).body.errors).toEqual([{ path: 'consent.signedOn', message: expect.stringContaining('occurredOn') }]);
  });

  it('accepts a new clause version and keeps the old one valid', async () => {
    const next = await call('POST', `/v1/consent-clauses/${net.clause.clauseId}/versions`, { key: adminKey, body: { text: `${'Revised. '}${'x'}` } });
    expect(next.status).toBe(201);
    expect(next.body.version).toBe(2);
    expect((await submit(alertBody(net.clause, { phone: '+1 203 555 0161' }))).status).toBe(201);
    expect((await call('POST', '/v1/consent-clauses/cls_00000000000000000000000000/versions', { key: adminKey, body: { text: 'x' } })).status).toBe(404);
  });

  it('answers 413 over 64 KiB, 400 for broken JSON, 415 for other media types', async () => {
    const big = await call('POST', '/v1/checks', {
      key: net.keys.valleyDesk.apiKey,
      rawBody: JSON.stringify({ subject: { fullName: 'x'.repeat(70_000) } }),
      headers: { 'content-type': 'application/json' },
    });
    expect(big.status).toBe(413);
    const broken = await call('POST', '/v1/checks', {
      key: net.keys.valleyDesk.apiKey,
      rawBody: '{"subject": {',
      headers: { 'content-type': 'application/json' },
    });
    expect(broken.status).toBe(400);
    const form = await call('POST', '/v1/checks', {
      key: net.keys.valleyDesk.apiKey,
      rawBody: 'phone=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    const invalidUtf8 = await call('POST', '/v1/checks', {
      key: net.keys.valleyDesk.apiKey,
      rawBody: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
      headers: { 'content-type': 'application/json' },
    });
    expect(invalidUtf8.status).toBe(400);
  });

  it('answers 404 problem documents for unknown routes', async () => {
    const answer = await call('GET', '/v1/nothing-here', { key: adminKey });
    expect(answer.status).toBe(404);
    expect(answer.body.type).toMatch(/not-found$/);
  });
});

describe('the local server', () => {
  it('logs one line per request with method, route, status and duration — never a body', () => {
    expect(requestLog.some((line) => /^POST \/v1\/alerts\/\{alertId\}\/reviews 200 \d+\.\dms$/.test(line))).toBe(true);
    expect(requestLog.join('\n')).not.toMatch(/Brannigan|555|example\.org/i);
  });
});
