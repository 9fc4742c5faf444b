import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoDate } from '#shared/dates.ts';
import { routeKey, routes } from '#shared/routes.ts';
import { apiClient, type ApiAnswer, type Call } from '../support/api-client.ts';
import { startLocalNetwork, type LocalNetworkProcess } from '../support/local-process.ts';
import { alertBody, setUpNetwork } from '../support/story.ts';

/**
 * The privacy invariant, proven on the real `npm start` path: plant canary identifiers, run the
 * whole story (and bad requests carrying them), stop with Ctrl-C, then search every byte the
 * system wrote — DynamoDB Local's files, the data folder, notifications, logs at DEBUG level.
 */
const canary = {
  fullName: 'Zebulon Quillfeather-Canary',
  dateOfBirth: '1937-07-07',
  phone: '+1 (959) 555-0123',
  email: 'Zeb.Quillfeather@Canary-Mail.example',
};
const canarySummary = 'SUMMARY-CANARY-7731 the client grabbed the therapist';
/** Raw values and every normalised form they could take on the way to a token. */
const needles = ['Quillfeather', 'quillfeather', 'QUILLFEATHER', '5550123', '555-0123', '1937-07-07', 'canary-mail', 'SUMMARY-CANARY-7731'];

let dataDir: string;
let network: LocalNetworkProcess;
let alertId: string;

/**
 * The sweep: for every route in the route table, requests carrying the canaries in the body
 * (as identifiers where the route takes a subject, as unknown fields and bad values elsewhere),
 * the path parameters, the query string and a header. Every one is sent by every role and
 * with no key. Free-text fields meant for free text (reasons, labels, names, clause text) are
 * not sent identifiers: they are stored by design.
 */
interface CanaryRequest {
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}
type RouteKey = keyof { [R in (typeof routes)[number] as `${R['method']} ${R['path']}`]: R };

const enc = encodeURIComponent;
const canaryQuery = `${enc(canary.fullName)}=${enc(canary.phone)}&email=${enc(canary.email)}&dob=${canary.dateOfBirth}`;
const canaryHeader = { 'X-Client-Name': `${canary.fullName} ${canary.phone} ${canary.email} ${canary.dateOfBirth}` };
const unknownFields = { [canary.fullName]: canary.phone, [canary.email]: canary.dateOfBirth };
const badSubject = { ...canary, phone: `${canary.phone}x`.repeat(3), email: `${canary.email}@@` };

function canaryRequests(alert: string, clauseId: string): Record<RouteKey, CanaryRequest[]> {
  return {
    'GET /v1/health': [{ path: '/v1/health' }],
    'POST /v1/practices': [{ path: '/v1/practices', body: { name: 'Canary Practice', region: 'CT', ...unknownFields } }],
    'POST /v1/keys': [{ path: '/v1/keys', body: { role: 'auditor', label: 'canary', ...unknownFields } }, { path: '/v1/keys', body: { role: canary.fullName, practiceId: canary.email, label: 'canary' } }],
    'DELETE /v1/keys/{keyId}': [{ path: `/v1/keys/${enc(canary.fullName)}` }, { path: `/v1/keys/${enc(canary.email)}` }],
    'POST /v1/consent-clauses': [{ path: '/v1/consent-clauses', body: { text: 'Canary clause text.', ...unknownFields } }],
    'POST /v1/consent-clauses/{clauseId}/versions': [
      { path: `/v1/consent-clauses/${enc(canary.phone)}/versions`, body: { text: 'Canary clause text.' } },
      { path: `/v1/consent-clauses/${clauseId}/versions`, body: { text: 'Canary clause text.', jurisdiction: { [canary.fullName]: canary.email } } },
    ],
    'GET /v1/consent-clauses': [{ path: '/v1/consent-clauses' }],
    'POST /v1/alerts': [
      { path: '/v1/alerts', body: alertBody(sweepClause, canary, canarySummary), headers: { 'Idempotency-Key': `${canary.fullName.replace(/ /g, '-')}-${canary.dateOfBirth}` } },
      { path: '/v1/alerts', body: { ...alertBody(sweepClause, badSubject, canarySummary), ...unknownFields } },
    ],
    'GET /v1/alerts/{alertId}': [{ path: `/v1/alerts/${alert}` }, { path: `/v1/alerts/${enc(canary.fullName)}` }],
    'POST /v1/alerts/{alertId}/retract': [{ path: `/v1/alerts/${alert}/retract`, body: { reason: 'ok', ...unknownFields } }, { path: `/v1/alerts/${enc(canary.phone)}/retract`, body: { reason: 'ok' } }],
    'POST /v1/alerts/{alertId}/disputes': [{ path: `/v1/alerts/${alert}/disputes`, body: { reason: 'ok', ...unknownFields } }, { path: `/v1/alerts/${enc(canary.email)}/disputes`, body: { reason: 'ok' } }],
    'POST /v1/alerts/{alertId}/reinstate': [{ path: `/v1/alerts/${alert}/reinstate`, body: { reason: 'ok', ...unknownFields } }, { path: `/v1/alerts/${canary.dateOfBirth}/reinstate`, body: { reason: 'ok' } }],
    'GET /v1/reviews/queue': [{ path: '/v1/reviews/queue' }],
    'POST /v1/alerts/{alertId}/reviews': [
      { path: `/v1/alerts/${alert}/reviews`, body: { decision: canary.fullName, reason: 'ok', ...unknownFields } },
      { path: `/v1/alerts/${enc(canary.fullName)}/reviews`, body: { decision: 'approve', reason: 'ok' } },
    ],
    'POST /v1/alerts/{alertId}/reconfirm': [{ path: `/v1/alerts/${alert}/reconfirm`, body: { reason: 'ok', ...unknownFields } }, { path: `/v1/alerts/${enc(canary.email)}/reconfirm`, body: { reason: 'ok' } }],
    'POST /v1/checks': [{ path: '/v1/checks', body: { subject: canary } }, { path: '/v1/checks', body: { subject: badSubject, bookingOn: canary.dateOfBirth.replace('07-07', '02-30'), ...unknownFields } }],
    'POST /v1/checks/batch': [
      { path: '/v1/checks/batch', body: { bookings: [{ ref: 'sweep-1', subject: canary }, { ref: 'sweep-2', subject: { phone: canary.phone } }] } },
      { path: '/v1/checks/batch', body: { bookings: [{ ref: canary.fullName, subject: badSubject, ...unknownFields }] } },
    ],
    'GET /v1/audit/export': [{ path: `/v1/audit/export?from=${canary.dateOfBirth}&to=${enc(canary.phone)}&format=${enc(canary.email)}` }],
    'GET /v1/audit/verification-key': [{ path: '/v1/audit/verification-key' }],
    'POST /v1/audit/subject-tokens': [{ path: '/v1/audit/subject-tokens', body: { subject: canary } }, { path: '/v1/audit/subject-tokens', body: { subject: badSubject, ...unknownFields } }],
  };
}
let sweepClause: { clauseId: string; version: number; sha256: string };

/** Every answer of the sweep and of what was read back afterwards (exports, keys, tokens), by label. */
const answers: { label: string; text: string }[] = [];
const record = (label: string, answer: ApiAnswer) =>
  answers.push({ label, text: `${answer.status}\n${[...answer.headers].map(([name, value]) => `${name}: ${value}`).join('\n')}\n${answer.text}` });
let sweptRoutes: string[] = [];
/** The contract shows the incident summary to reviewers: in an alert's view and in their queue. */
const summaryShownByDesign = (label: string) => /^(GET \/v1\/alerts\/\{alertId\}|GET \/v1\/reviews\/queue) \S+ as reviewer$/.test(label);

async function sweepEveryRoute(call: Call, keysByRole: Record<string, string | undefined>, alert: string, clauseId: string) {
  const requests = canaryRequests(alert, clauseId);
  sweptRoutes = Object.keys(requests);
  for (const route of routes) {
    for (const request of requests[routeKey(route) as RouteKey]) {
      const path = `${request.path}${request.path.includes('?') ? '&' : '?'}${canaryQuery}`;
      for (const [role, key] of Object.entries(keysByRole)) {
        const answer = await call(route.method, path, { key, body: request.body, headers: { ...canaryHeader, ...request.headers } });
        expect(answer.status, `${routeKey(route)} as ${role}: ${answer.text}`).toBeLessThan(500);
        record(`${routeKey(route)} ${request.path} as ${role}`, answer);
      }
    }
  }
  // A path that is no route at all, carrying an identifier.
  record('no route', await call('GET', `/v1/clients/${enc(canary.fullName)}/${enc(canary.phone)}?${canaryQuery}`, { key: keysByRole.admin, headers: canaryHeader }));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function javaProcessesFor(dir: string): string {
  try {
    return execFileSync('pgrep', ['-f', `dbPath ${dir}`], { encoding: 'utf8' });
  } catch {
    return ''; // pgrep exits 1 when nothing matches
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'peerguard-privacy-'));
  network = await startLocalNetwork({ DATA_DIR: dataDir, LOG_LEVEL: 'DEBUG', GUESSES_PER_DAY: '8' });
  const call = apiClient(network.baseUrl);
  const adminKey = readFileSync(join(dataDir, 'admin-api-key'), 'utf8');
  expect(adminKey).toMatch(/^pg\.key_[0-9a-z]{26}\.[A-Za-z0-9_-]{43}\n$/);
  const net = await setUpNetwork(call, adminKey.trim());

  const submitted = await call('POST', '/v1/alerts', { key: net.keys.harbourDesk.apiKey, body: alertBody(net.clause, canary, canarySummary) });
  expect(submitted.status).toBe(201);
  alertId = submitted.body.alertId;
  for (const reviewer of [net.keys.elmReviewer, net.keys.valleyReviewer]) {
    const decided = await call('POST', `/v1/alerts/${alertId}/reviews`, { key: reviewer.apiKey, body: { decision: 'approve', reason: 'ok' } });
    expect(decided.status).toBe(200);
  }
  const subjects = [{ phone: canary.phone }, { email: canary.email }, { fullName: canary.fullName, dateOfBirth: canary.dateOfBirth }, { fullName: canary.fullName }];
  for (const subject of subjects) {
    const answer = await call('POST', '/v1/checks', { key: net.keys.valleyDesk.apiKey, body: { subject } });
    expect(answer.body.result).toBe('match');
    for (const needle of needles) expect(answer.text).not.toContain(needle);
  }
  // Bad requests that carry the canaries must not echo them either.
  const bad = await call('POST', '/v1/checks', { key: net.keys.valleyDesk.apiKey, body: { subject: { ...canary, phone: `${canary.phone}x`.repeat(3), [canary.fullName]: 1 }, bookingOn: canary.phone } });
  expect(bad.status).toBe(400);
  const wrongRole = await call('POST', '/v1/checks', { key: net.keys.elmReviewer.apiKey, body: { subject: { phone: canary.phone } } });
  expect(wrongRole.status).toBe(403);
  for (const needle of needles.slice(0, 6)) {
    expect(bad.text).not.toContain(needle);
    expect(wrongRole.text).not.toContain(needle);
  }
  // Batch screening, a batch refused for one bad booking, and the alert disputed and reinstated.
  const batch = await call('POST', '/v1/checks/batch', {
    key: net.keys.valleyDesk.apiKey,
    body: { bookings: subjects.map((subject, i) => ({ ref: `bk-${i}`, subject })) },
  });
  expect(batch.body.results.map((result: { result: string }) => result.result)).toEqual(['match', 'match', 'match', 'match']);
  const badBatch = await call('POST', '/v1/checks/batch', {
    key: net.keys.valleyDesk.apiKey,
    body: { bookings: [{ ref: 'ok', subject: { phone: canary.phone } }, { ref: canary.fullName, subject: { email: `${canary.email}@@` } }] },
  });
  expect(badBatch.status).toBe(400);
  for (const needle of needles) {
    expect(batch.text).not.toContain(needle);
    expect(badBatch.text).not.toContain(needle);
  }
  for (const path of ['disputes', 'reinstate']) {
    expect((await call('POST', `/v1/alerts/${alertId}/${path}`, { key: adminKey.trim(), body: { reason: 'Handled by the network.' } })).status).toBe(200);
  }
  const queue = await call('GET', `/v1/alerts/${alertId}`, { key: net.keys.harbourDesk.apiKey });
  for (const needle of needles) expect(queue.text).not.toContain(needle);

  // Every route, as every role and with no key.
  sweepClause = net.clause;
  const keysByRole = { admin: adminKey.trim(), reviewer: net.keys.elmReviewer.apiKey, practice: net.keys.harbourDesk.apiKey, 'other practice': net.keys.valleyDesk.apiKey, auditor: net.keys.auditor.apiKey, 'no key': undefined };
  await sweepEveryRoute(call, keysByRole, alertId, net.clause.clauseId);

  // What counsel reads back: both export formats (with the manifest), the verification key, a subject's tokens.
  const today = isoDate(new Date());
  for (const format of ['jsonl', 'csv']) {
    const exported = await call('GET', `/v1/audit/export?from=${today}&to=${today}&format=${format}`, { key: net.keys.auditor.apiKey });
    expect(exported.status).toBe(200);
    expect(exported.text).toContain('check.performed');
    record(`audit export ${format}`, exported);
    record(`audit export ${format} manifest`, { ...exported, text: Buffer.from(exported.headers.get('x-audit-manifest') ?? '', 'base64url').toString('utf8') });
  }
  const verificationKey = await call('GET', '/v1/audit/verification-key', { key: net.keys.auditor.apiKey });
  expect(verificationKey.status).toBe(200);
  record('verification key', verificationKey);
  const tokens = await call('POST', '/v1/audit/subject-tokens', { key: net.keys.auditor.apiKey, body: { subject: canary } });
  expect(tokens.body.tokens.length).toBeGreaterThanOrEqual(4);
  record('subject tokens', tokens);

  // Dates of birth tried against the canary's name spend the guess budget: the security notice and
  // the slowdown's refusals carry nothing of the person (the search below covers the notice too).
  const swept: number[] = [];
  for (let day = 1; day <= 12; day += 1) {
    const answer = await call('POST', '/v1/checks', { key: net.keys.valleyDesk.apiKey, body: { subject: { fullName: canary.fullName, dateOfBirth: `1950-01-${String(day).padStart(2, '0')}` } } });
    swept.push(answer.status);
    for (const needle of needles) expect(answer.text).not.toContain(needle);
  }
  expect(swept).toContain(429);
}, 180_000);

afterAll(async () => {
  // Even when a test failed half-way: stop like Ctrl-C (which takes DynamoDB Local along), then make sure.
  if (network?.child.exitCode === null) {
    const stopped = network.stop();
    await Promise.race([stopped, new Promise((done) => setTimeout(done, 10_000))]);
    if (network.child.exitCode === null) network.child.kill('SIGKILL');
  }
  for (const pid of javaProcessesFor(dataDir).split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('after the story, stopped with Ctrl-C', () => {
  it('exits cleanly and leaves no DynamoDB Local process behind', async () => {
    expect(await network.stop()).toBe(0);
    await new Promise((done) => setTimeout(done, 500));
    expect(javaProcessesFor(dataDir)).toBe('');
  });

  it('wrote data, notifications and logs (so the search below is searching something real)', () => {
    const everything = filesUnder(dataDir).map((file) => readFileSync(file).toString('latin1')).join('\n');
    expect(filesUnder(join(dataDir, 'dynamodb')).length).toBeGreaterThan(0);
    expect(everything).toContain(alertId);
    const notifications = readFileSync(join(dataDir, 'notifications.jsonl'), 'utf8');
    for (const type of ['alert.awaiting_review', 'alert.published', 'alert.disputed', 'alert.reinstated', 'screening.possible_enumeration']) expect(notifications).toContain(type);
    expect(network.output()).toContain('"level":"DEBUG"');
    expect(network.output()).toMatch(/POST \/v1\/checks 200/);
  });

  it('sent canaries to every route in the route table (a new route without a sweep entry fails)', () => {
    expect([...sweptRoutes].sort()).toEqual(routes.map(routeKey).sort());
    expect(answers.length).toBeGreaterThan(routes.length * 6);
    expect(network.output()).toContain('POST /v1/audit/subject-tokens 200');
  });

  it.each(needles)('no answer of the sweep, no export, key or token answer holds %s', (needle) => {
    for (const { label, text } of answers) {
      if (needle === canarySummary.split(' ')[0] && summaryShownByDesign(label)) continue;
      expect(text.includes(needle), `${needle} in the answer to ${label}`).toBe(false);
    }
  });

  it.each(needles)('finds no trace of %s anywhere the system wrote', (needle) => {
    for (const file of filesUnder(dataDir)) {
      const bytes = readFileSync(file);
      expect(bytes.includes(Buffer.from(needle, 'utf8')), `${needle} in ${file}`).toBe(false);
      expect(bytes.includes(Buffer.from(needle, 'utf16le')), `${needle} (UTF-16) in ${file}`).toBe(false);
    }
    expect(network.output()).not.toContain(needle);
  });
});

describe('a second start', () => {
  it('finds the data folder: same admin key, same clause, the alert still matches', async () => {
    const again = await startLocalNetwork({ DATA_DIR: dataDir });
    try {
      const adminKey = readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();
      expect(again.output()).toContain('(from ');
      const call = apiClient(again.baseUrl);
      const alert = await call('GET', `/v1/alerts/${alertId}`, { key: adminKey });
      expect(alert.status).toBe(200);
      expect(alert.body.status).toBe('published');
    } finally {
      expect(await again.stop()).toBe(0);
    }
  }, 90_000); // a second JVM and tsx start: slow on a busy machine
});
