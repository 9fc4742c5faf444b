import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, isoDate } from '#shared/dates.ts';
import { canonicalJson, sha256Hex } from '#shared/canonical.ts';
import { routeKey, routes } from '#shared/routes.ts';
import { apiClient, type ApiAnswer, type Call } from '../support/api-client.ts';
import { startLocalNetwork, type LocalNetworkProcess } from '../support/local-process.ts';
import { alertBody, setUpNetwork } from '../support/story.ts';
import { calcomDelivery, signCalcom, startCalcomStandIn, type CalcomStandIn } from '../support/calcom.ts';

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
/**
 * What a careless person types into free text: a client's name in actionsTaken and in every
 * reason. The roles that read free text see it in their answers by design; it must be nowhere
 * the system wrote (it is stored only encrypted), and never as a plain digest.
 */
const freeTextName = 'Hieronyma Freetextcanary';
const freeTextNeedles = ['Hieronyma', 'Freetextcanary', 'freetextcanary'];
const freeReason = `The client, ${freeTextName}, was handled per policy.`;
const freeActions = `Ended the session; ${freeTextName} may not rebook.`;
/** Set once the canary alert is submitted: the plain SHA-256 a receipt used to carry, and the content key only the submitter got. */
let plainBodyDigest: string;
let contentKey: string;
let canaryTokens: string[] = [];
let exportedText = '';

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
  /** The exact bytes to send instead of `body` (a signed webhook delivery). */
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
}
type RouteKey = keyof { [R in (typeof routes)[number] as `${R['method']} ${R['path']}`]: R };

const enc = encodeURIComponent;
const canaryQuery = `${enc(canary.fullName)}=${enc(canary.phone)}&email=${enc(canary.email)}&dob=${canary.dateOfBirth}`;
const canaryHeader = { 'X-Client-Name': `${canary.fullName} ${canary.phone} ${canary.email} ${canary.dateOfBirth}` };
const unknownFields = { [canary.fullName]: canary.phone, [canary.email]: canary.dateOfBirth };
const badSubject = { ...canary, phone: `${canary.phone}x`.repeat(3), email: `${canary.email}@@` };

/** The sweep's Cal.com integration (Harbour's): its secret, API key and the stand-in Cal.com the declines go to. */
const sweepSecret = 'privacy-sweep-webhook-secret-77';
const sweepApiKey = 'cal_live_privacy_sweep_0001';
let calcom: CalcomStandIn;
/** A delivery as Cal.com sends it, with the canary as the booker (name, e-mail, and phone in the form and the SMS reminder). */
function canaryDelivery(
  uid: string,
  attendee: Record<string, unknown> = { name: canary.fullName, email: canary.email, phoneNumber: canary.phone, timeZone: 'America/New_York' },
) {
  return calcomDelivery({
    triggerEvent: 'BOOKING_REQUESTED',
    uid,
    attendees: [attendee, { name: `${canary.fullName} Guest`, email: `guest.${canary.email}` }],
    responses: { attendeePhoneNumber: { label: 'phone_number', value: canary.phone }, dob: { label: 'date_of_birth', value: canary.dateOfBirth } },
    smsReminderNumber: canary.phone,
  });
}
function signed(body: unknown, secret = sweepSecret): Pick<CanaryRequest, 'rawBody' | 'headers'> {
  const rawBody = JSON.stringify(body);
  return { rawBody, headers: { 'content-type': 'application/json', 'x-cal-signature-256': signCalcom(secret, rawBody) } };
}

function canaryRequests(alert: string, clauseId: string, practiceId: string): Record<RouteKey, CanaryRequest[]> {
  const integration = `/v1/practices/${practiceId}/integrations/calcom`;
  const webhook = `/v1/integrations/calcom/${practiceId}`;
  const setUp = { webhookSecret: sweepSecret, calcomApiKey: sweepApiKey, calcomApiBaseUrl: calcom.baseUrl, onMatch: 'decline' };
  return {
    'PUT /v1/practices/{practiceId}/integrations/calcom': [
      { path: integration, body: setUp },
      { path: integration, body: { ...setUp, ...unknownFields, declineReason: { [canary.fullName]: canary.email } } },
      { path: `/v1/practices/${enc(canary.fullName)}/integrations/calcom`, body: setUp },
    ],
    'GET /v1/practices/{practiceId}/integrations/calcom': [{ path: integration }, { path: `/v1/practices/${enc(canary.phone)}/integrations/calcom` }],
    'POST /v1/integrations/calcom/{practiceId}': [
      { path: webhook, ...signed(canaryDelivery('sweep-booking-1')) },
      { path: webhook, ...signed(canaryDelivery('sweep-booking-2'), 'not-the-secret-0123456789') },
      { path: webhook, rawBody: JSON.stringify(canaryDelivery('sweep-booking-3')), headers: { 'content-type': 'application/json' } },
      {
        path: webhook,
        ...signed(canaryDelivery('sweep-booking-4', { name: [canary.fullName], email: { [canary.email]: canary.phone }, phoneNumber: 5550123 })),
      },
      { path: webhook, ...signed({ ...canaryDelivery('sweep-booking-5'), triggerEvent: canary.fullName }) },
      { path: `/v1/integrations/calcom/${enc(canary.email)}`, ...signed(canaryDelivery('sweep-booking-6')) },
    ],
    'GET /v1/health': [{ path: '/v1/health' }],
    'GET /v1/openapi.json': [{ path: '/v1/openapi.json' }],
    'GET /v1/me': [{ path: '/v1/me' }],
    'POST /v1/practices': [{ path: '/v1/practices', body: { name: 'Canary Practice', region: 'CT', ...unknownFields } }],
    'GET /v1/practices': [{ path: '/v1/practices' }],
    'GET /v1/keys': [{ path: '/v1/keys' }, { path: `/v1/keys?practiceId=${enc(canary.email)}` }],
    'GET /v1/overview': [{ path: '/v1/overview' }],
    'GET /v1/stats': [{ path: '/v1/stats' }],
    'GET /v1/stats/summary': [{ path: '/v1/stats/summary' }, { path: `/v1/stats/summary?${canaryQuery}`, headers: canaryHeader }],
    'POST /v1/keys': [
      { path: '/v1/keys', body: { role: 'auditor', label: 'canary', ...unknownFields } },
      { path: '/v1/keys', body: { role: canary.fullName, practiceId: canary.email, label: 'canary' } },
    ],
    'DELETE /v1/keys/{keyId}': [{ path: `/v1/keys/${enc(canary.fullName)}` }, { path: `/v1/keys/${enc(canary.email)}` }],
    'POST /v1/consent-clauses': [{ path: '/v1/consent-clauses', body: { text: 'Canary clause text.', ...unknownFields } }],
    'POST /v1/consent-clauses/{clauseId}/versions': [
      { path: `/v1/consent-clauses/${enc(canary.phone)}/versions`, body: { text: 'Canary clause text.' } },
      { path: `/v1/consent-clauses/${clauseId}/versions`, body: { text: 'Canary clause text.', jurisdiction: { [canary.fullName]: canary.email } } },
    ],
    'GET /v1/consent-clauses': [{ path: '/v1/consent-clauses' }],
    'POST /v1/alerts': [
      {
        path: '/v1/alerts',
        body: withFreeActions(alertBody(sweepClause, canary, canarySummary)),
        headers: { 'Idempotency-Key': `${canary.fullName.replace(/ /g, '-')}-${canary.dateOfBirth}` },
      },
      { path: '/v1/alerts', body: { ...alertBody(sweepClause, badSubject, canarySummary), ...unknownFields } },
    ],
    'GET /v1/alerts': [{ path: '/v1/alerts' }, { path: `/v1/alerts?status=${enc(canary.fullName)}&cursor=${enc(canary.phone)}&limit=${canary.dateOfBirth}` }],
    'GET /v1/reviews/decided': [{ path: '/v1/reviews/decided' }],
    'GET /v1/alerts/{alertId}': [{ path: `/v1/alerts/${alert}` }, { path: `/v1/alerts/${enc(canary.fullName)}` }],
    'POST /v1/alerts/{alertId}/retract': [
      { path: `/v1/alerts/${alert}/retract`, body: { reason: freeReason, ...unknownFields } },
      { path: `/v1/alerts/${enc(canary.phone)}/retract`, body: { reason: freeReason } },
    ],
    'POST /v1/alerts/{alertId}/disputes': [
      { path: `/v1/alerts/${alert}/disputes`, body: { reason: freeReason, ...unknownFields } },
      { path: `/v1/alerts/${enc(canary.email)}/disputes`, body: { reason: freeReason } },
    ],
    'POST /v1/alerts/{alertId}/reinstate': [
      { path: `/v1/alerts/${alert}/reinstate`, body: { reason: freeReason, ...unknownFields } },
      { path: `/v1/alerts/${canary.dateOfBirth}/reinstate`, body: { reason: freeReason } },
    ],
    'GET /v1/reviews/queue': [{ path: '/v1/reviews/queue' }],
    'POST /v1/alerts/{alertId}/reviews': [
      { path: `/v1/alerts/${alert}/reviews`, body: { decision: canary.fullName, reason: 'ok', ...unknownFields } },
      { path: `/v1/alerts/${enc(canary.fullName)}/reviews`, body: { decision: 'approve', reason: freeReason } },
    ],
    'POST /v1/alerts/{alertId}/reconfirm': [
      { path: `/v1/alerts/${alert}/reconfirm`, body: { reason: freeReason, ...unknownFields } },
      { path: `/v1/alerts/${alert}/reconfirm`, body: { reason: freeReason } },
      { path: `/v1/alerts/${enc(canary.email)}/reconfirm`, body: { reason: freeReason } },
    ],
    'POST /v1/checks': [
      { path: '/v1/checks', body: { subject: canary } },
      { path: '/v1/checks', body: { subject: badSubject, bookingOn: canary.dateOfBirth.replace('07-07', '02-30'), ...unknownFields } },
    ],
    'POST /v1/checks/batch': [
      {
        path: '/v1/checks/batch',
        body: {
          bookings: [
            { ref: 'sweep-1', subject: canary },
            { ref: 'sweep-2', subject: { phone: canary.phone } },
          ],
        },
      },
      { path: '/v1/checks/batch', body: { bookings: [{ ref: canary.fullName, subject: badSubject, ...unknownFields }] } },
    ],
    'POST /v1/bookings': [
      { path: '/v1/bookings', body: { ref: 'sweep-booking', appointmentOn: appointmentSoon(), subject: canary } },
      { path: '/v1/bookings', body: { ref: canary.fullName, appointmentOn: canary.dateOfBirth, subject: badSubject, ...unknownFields } },
      { path: '/v1/bookings', body: { ref: 'sweep-booking-late', appointmentOn: canary.dateOfBirth, subject: canary } },
    ],
    'GET /v1/bookings': [{ path: '/v1/bookings' }],
    'DELETE /v1/bookings/{ref}': [
      { path: `/v1/bookings/${enc(canary.fullName)}` },
      { path: `/v1/bookings/${enc(canary.email)}` },
      { path: '/v1/bookings/sweep-booking' },
    ],
    'GET /v1/alerts/{alertId}/match-digest': [{ path: `/v1/alerts/${alert}/match-digest` }, { path: `/v1/alerts/${enc(canary.phone)}/match-digest` }],
    'PUT /v1/alerts/{alertId}/match-digest': [
      { path: `/v1/alerts/${alert}/match-digest`, body: { enabled: true, ...unknownFields } },
      { path: `/v1/alerts/${alert}/match-digest`, body: { enabled: canary.fullName } },
      { path: `/v1/alerts/${enc(canary.email)}/match-digest`, body: { enabled: true } },
    ],
    'GET /v1/audit/export': [{ path: `/v1/audit/export?from=${canary.dateOfBirth}&to=${enc(canary.phone)}&format=${enc(canary.email)}` }],
    'GET /v1/audit/verification-key': [{ path: '/v1/audit/verification-key' }],
    'GET /v1/audit/checkpoints': [{ path: '/v1/audit/checkpoints' }],
    'POST /v1/audit/checkpoints': [{ path: '/v1/audit/checkpoints' }],
    'POST /v1/audit/subject-tokens': [
      { path: '/v1/audit/subject-tokens', body: { subject: canary } },
      { path: '/v1/audit/subject-tokens', body: { subject: badSubject, ...unknownFields } },
    ],
  };
}
let sweepClause: { clauseId: string; version: number; sha256: string };
const appointmentSoon = () => isoDate(addDays(new Date(), 7));
const withFreeActions = <B extends { incident: object }>(body: B): B => ({ ...body, incident: { ...body.incident, actionsTaken: freeActions } });

/** Every answer of the sweep and of what was read back afterwards (exports, keys, tokens), by label. */
const answers: { label: string; text: string }[] = [];
const record = (label: string, answer: ApiAnswer) =>
  answers.push({ label, text: `${answer.status}\n${[...answer.headers].map(([name, value]) => `${name}: ${value}`).join('\n')}\n${answer.text}` });
let sweptRoutes: string[] = [];
/** The contract shows the incident summary to reviewers: in an alert's view, their queue and the alerts they decided. */
const summaryShownByDesign = (label: string) => /^(GET \/v1\/alerts\/\{alertId\}|GET \/v1\/reviews\/(queue|decided)) \S+ as reviewer$/.test(label);

async function sweepEveryRoute(call: Call, keysByRole: Record<string, string | undefined>, alert: string, clauseId: string, practiceId: string) {
  const requests = canaryRequests(alert, clauseId, practiceId);
  sweptRoutes = Object.keys(requests);
  for (const route of routes) {
    for (const request of requests[routeKey(route) as RouteKey]) {
      const path = `${request.path}${request.path.includes('?') ? '&' : '?'}${canaryQuery}`;
      for (const [role, key] of Object.entries(keysByRole)) {
        const answer = await call(route.method, path, { key, body: request.body, rawBody: request.rawBody, headers: { ...canaryHeader, ...request.headers } });
        expect(answer.status, `${routeKey(route)} as ${role}: ${answer.text}`).toBeLessThan(500);
        record(`${routeKey(route)} ${request.path} as ${role}`, answer);
      }
    }
  }
  // A path that is no route at all, carrying an identifier.
  record(
    'no route',
    await call('GET', `/v1/clients/${enc(canary.fullName)}/${enc(canary.phone)}?${canaryQuery}`, { key: keysByRole.admin, headers: canaryHeader }),
  );
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
  calcom = await startCalcomStandIn();
  network = await startLocalNetwork({ DATA_DIR: dataDir, LOG_LEVEL: 'DEBUG', GUESSES_PER_DAY: '8' });
  const call = apiClient(network.baseUrl);
  const adminKey = readFileSync(join(dataDir, 'admin-api-key'), 'utf8');
  expect(adminKey).toMatch(/^pg\.key_[0-9a-z]{26}\.[A-Za-z0-9_-]{43}\n$/);
  const net = await setUpNetwork(call, adminKey.trim());

  // Valley registers an upcoming booking by the canary before any alert about them exists: re-screened when it publishes.
  const registered = await call('POST', '/v1/bookings', {
    key: net.keys.valleyDesk.apiKey,
    body: { ref: 'canary-booking-1', appointmentOn: appointmentSoon(), subject: canary },
  });
  expect(registered.status).toBe(201);
  expect(registered.body.result).toBe('no_match');
  record('booking registered', registered);

  const submittedBody = withFreeActions(alertBody(net.clause, canary, canarySummary));
  const submitted = await call('POST', '/v1/alerts', { key: net.keys.harbourDesk.apiKey, body: submittedBody });
  expect(submitted.status).toBe(201);
  alertId = submitted.body.alertId;
  plainBodyDigest = sha256Hex(canonicalJson(submittedBody));
  // Harbour wants to hear that its alert mattered: every match from here on is counted.
  expect((await call('PUT', `/v1/alerts/${alertId}/match-digest`, { key: net.keys.harbourDesk.apiKey, body: { enabled: true } })).status).toBe(200);
  contentKey = submitted.body.receipt.contentKey;
  expect(contentKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
  for (const reviewer of [net.keys.elmReviewer, net.keys.valleyReviewer]) {
    const decided = await call('POST', `/v1/alerts/${alertId}/reviews`, { key: reviewer.apiKey, body: { decision: 'approve', reason: freeReason } });
    expect(decided.status).toBe(200);
  }
  const subjects = [
    { phone: canary.phone },
    { email: canary.email },
    { fullName: canary.fullName, dateOfBirth: canary.dateOfBirth },
    { fullName: canary.fullName },
  ];
  for (const subject of subjects) {
    const answer = await call('POST', '/v1/checks', { key: net.keys.valleyDesk.apiKey, body: { subject } });
    expect(answer.body.result).toBe('match');
    for (const needle of needles) expect(answer.text).not.toContain(needle);
  }
  // Bad requests that carry the canaries must not echo them either.
  const bad = await call('POST', '/v1/checks', {
    key: net.keys.valleyDesk.apiKey,
    body: { subject: { ...canary, phone: `${canary.phone}x`.repeat(3), [canary.fullName]: 1 }, bookingOn: canary.phone },
  });
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
    body: {
      bookings: [
        { ref: 'ok', subject: { phone: canary.phone } },
        { ref: canary.fullName, subject: { email: `${canary.email}@@` } },
      ],
    },
  });
  expect(badBatch.status).toBe(400);
  for (const needle of needles) {
    expect(batch.text).not.toContain(needle);
    expect(badBatch.text).not.toContain(needle);
  }
  for (const path of ['disputes', 'reinstate']) {
    expect((await call('POST', `/v1/alerts/${alertId}/${path}`, { key: adminKey.trim(), body: { reason: freeReason } })).status).toBe(200);
  }
  const queue = await call('GET', `/v1/alerts/${alertId}`, { key: net.keys.harbourDesk.apiKey });
  for (const needle of needles) expect(queue.text).not.toContain(needle);

  // Every route, as every role and with no key.
  sweepClause = net.clause;
  const keysByRole = {
    admin: adminKey.trim(),
    reviewer: net.keys.elmReviewer.apiKey,
    practice: net.keys.harbourDesk.apiKey,
    'other practice': net.keys.valleyDesk.apiKey,
    auditor: net.keys.auditor.apiKey,
    'no key': undefined,
  };
  // Harbour's booking software delivers a booking by the canary: screened, matched, declined through the stand-in Cal.com.
  const configured = await call('PUT', `/v1/practices/${net.practices.harbour}/integrations/calcom`, {
    key: net.keys.harbourDesk.apiKey,
    body: { webhookSecret: sweepSecret, calcomApiKey: sweepApiKey, calcomApiBaseUrl: calcom.baseUrl, onMatch: 'decline' },
  });
  expect(configured.status).toBe(200);
  const delivered = await call('POST', `/v1/integrations/calcom/${net.practices.harbour}`, signed(canaryDelivery('story-booking-1')));
  expect(delivered.body).toMatchObject({ result: 'match', bookingAction: 'declined' });
  expect(calcom.calls).toHaveLength(1);
  record('cal.com webhook', delivered);
  await sweepEveryRoute(call, keysByRole, alertId, net.clause.clauseId, net.practices.harbour);
  // What was sent to Cal.com on the practice's behalf is searched like every answer.
  for (const [i, sent] of calcom.calls.entries())
    answers.push({ label: `sent to Cal.com ${i}`, text: `${sent.method} ${sent.path}\n${JSON.stringify(sent.headers)}\n${sent.body}` });

  // The console's reads, answered in full (the sweep's own requests carry canary query parameters, which they refuse).
  const reads: [string, string, string][] = [
    ['GET /v1/me', '/v1/me', 'practice'],
    ['GET /v1/me', '/v1/me', 'reviewer'],
    ['GET /v1/practices', '/v1/practices', 'admin'],
    ['GET /v1/keys', '/v1/keys', 'admin'],
    ['GET /v1/overview', '/v1/overview', 'admin'],
    ['GET /v1/alerts', '/v1/alerts', 'admin'],
    ['GET /v1/alerts', '/v1/alerts', 'practice'],
    ['GET /v1/reviews/decided', '/v1/reviews/decided', 'reviewer'],
    ['GET /v1/bookings', '/v1/bookings', 'other practice'],
  ];
  for (const [key, path, role] of reads) {
    const answer = await call('GET', path, { key: keysByRole[role as keyof typeof keysByRole] });
    expect(answer.status, `${key} as ${role}`).toBe(200);
    record(`${key} ${path} as ${role}`, answer);
  }
  const bookingsAnswer = answers.find(({ label }) => label === 'GET /v1/bookings /v1/bookings as other practice')!;
  expect(bookingsAnswer.text).toContain('canary-booking-1');
  expect(bookingsAnswer.text).toContain('"matches":[{');
  const decidedAnswer = answers.find(({ label }) => label === 'GET /v1/reviews/decided /v1/reviews/decided as reviewer')!;
  expect(decidedAnswer.text).toContain(alertId);

  // What counsel reads back: both export formats (with the manifest), the verification key, a subject's tokens.
  const today = isoDate(new Date());
  for (const format of ['jsonl', 'csv']) {
    const exported = await call('GET', `/v1/audit/export?from=${today}&to=${today}&format=${format}`, { key: net.keys.auditor.apiKey });
    expect(exported.status).toBe(200);
    expect(exported.text).toContain('check.performed');
    record(`audit export ${format}`, exported);
    if (format === 'jsonl') exportedText = exported.text;
    record(`audit export ${format} manifest`, { ...exported, text: Buffer.from(exported.headers.get('x-audit-manifest') ?? '', 'base64url').toString('utf8') });
  }
  const verificationKey = await call('GET', '/v1/audit/verification-key', { key: net.keys.auditor.apiKey });
  expect(verificationKey.status).toBe(200);
  record('verification key', verificationKey);
  const tokens = await call('POST', '/v1/audit/subject-tokens', { key: net.keys.auditor.apiKey, body: { subject: canary } });
  expect(tokens.body.tokens.length).toBeGreaterThanOrEqual(4);
  canaryTokens = (tokens.body.tokens as { token: string }[]).map(({ token }) => token);
  record('subject tokens', tokens);

  // Dates of birth tried against the canary's name spend the guess budget: the security notice and
  // the slowdown's refusals carry nothing of the person (the search below covers the notice too).
  const swept: number[] = [];
  for (let day = 1; day <= 12; day += 1) {
    const answer = await call('POST', '/v1/checks', {
      key: net.keys.valleyDesk.apiKey,
      body: { subject: { fullName: canary.fullName, dateOfBirth: `1950-01-${String(day).padStart(2, '0')}` } },
    });
    swept.push(answer.status);
    for (const needle of needles) expect(answer.text).not.toContain(needle);
  }
  expect(swept).toContain(429);
}, 180_000);

afterAll(async () => {
  await calcom?.stop();
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
    const everything = filesUnder(dataDir)
      .map((file) => readFileSync(file).toString('latin1'))
      .join('\n');
    expect(filesUnder(join(dataDir, 'dynamodb')).length).toBeGreaterThan(0);
    expect(everything).toContain(alertId);
    const notifications = readFileSync(join(dataDir, 'notifications.jsonl'), 'utf8');
    for (const type of [
      'alert.awaiting_review',
      'alert.published',
      'alert.disputed',
      'alert.reinstated',
      'screening.booking_matched',
      'screening.possible_enumeration',
      'booking.rescreen_matched',
    ])
      expect(notifications).toContain(type);
    expect(network.output()).toContain('"level":"DEBUG"');
    expect(network.output()).toMatch(/POST \/v1\/checks 200/);
  });

  it('sent canaries to every route in the route table (a new route without a sweep entry fails)', () => {
    expect([...sweptRoutes].sort()).toEqual(routes.map(routeKey).sort());
    expect(answers.length).toBeGreaterThan(routes.length * 6);
    expect(network.output()).toContain('POST /v1/audit/subject-tokens 200');
    expect(network.output()).toContain('POST /v1/integrations/calcom/{practiceId} 200');
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

describe('free text, receipts and the audit trail', () => {
  it.each(freeTextNeedles)('free text holding %s is nowhere the system wrote (stored only encrypted), nor in a log line', (needle) => {
    for (const file of filesUnder(dataDir)) {
      const bytes = readFileSync(file);
      expect(bytes.includes(Buffer.from(needle, 'utf8')), `${needle} in ${file}`).toBe(false);
      expect(bytes.includes(Buffer.from(needle, 'utf16le')), `${needle} (UTF-16) in ${file}`).toBe(false);
    }
    expect(network.output()).not.toContain(needle);
  });

  it('the free text reached the roles that read it (so the search above searched something real)', () => {
    expect(
      answers.some(({ label, text }) => label.startsWith('GET /v1/alerts/{alertId}') && label.endsWith('as practice') && text.includes(freeTextName)),
    ).toBe(true);
  });

  it('no answer, export or stored byte holds the plain SHA-256 of a submitted body, or a plain digest of a reason', () => {
    const digests = [plainBodyDigest, sha256Hex(Buffer.from(freeReason, 'utf8')), sha256Hex(Buffer.from(freeActions, 'utf8'))];
    for (const digest of digests) {
      for (const { label, text } of answers) expect(text.includes(digest), `a plain digest in the answer to ${label}`).toBe(false);
      for (const file of filesUnder(dataDir)) expect(readFileSync(file).includes(Buffer.from(digest, 'utf8')), `a plain digest in ${file}`).toBe(false);
      expect(network.output()).not.toContain(digest);
    }
  });

  it("the receipt's content key went to the submitter only: in no other answer, and nowhere stored", () => {
    for (const { label, text } of answers) expect(text.includes(contentKey), `the content key in the answer to ${label}`).toBe(false);
    for (const file of filesUnder(dataDir)) expect(readFileSync(file).includes(Buffer.from(contentKey, 'utf8')), `the content key in ${file}`).toBe(false);
  });

  it("check entries in the export carry no token: one client's screenings do not link", () => {
    const checks = exportedText.split('\n').filter((line) => line.includes('"check.performed"'));
    expect(checks.length).toBeGreaterThan(4);
    for (const token of canaryTokens) for (const line of checks) expect(line.includes(token)).toBe(false);
    // The lookup that computed them is itself on the record, with what it searched.
    expect(exportedText.split('\n').some((line) => line.includes('"audit.subject_tokens"'))).toBe(true);
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
