import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, isoDate } from '#shared/dates.ts';
import { runSweep } from '#shared/domain/sweep.ts';
import { sendMatchDigests } from '#shared/domain/match-digest.ts';
import { startLocalNetwork, type LocalNetwork } from '../support/local-network.ts';
import { alertBody } from '../support/story.ts';
import { intactChain } from '../support/audit-chain.ts';

/**
 * Re-screening over HTTP against DynamoDB Local, with the local server's real wiring (the
 * re-screen listens to the notifier as the rescreen function listens to the practices topic):
 * a practice registers an upcoming booking, another practice's alert about that client is
 * submitted and approved by two reviewers, and the practice hears of its booking (by its ref)
 * before the appointment. Then cancelling, expiry, and the reporter's daily digest.
 */
let local: LocalNetwork;
/** Elm's front desk (story.ts gives Elm reviewers only). */
let elmDesk: string;
const flagged = { fullName: 'Ottoline Rescreenwood', dateOfBirth: '1975-04-09', phone: '+1 860 555 0191', email: 'o.rescreenwood@example.com' };
const soon = () => isoDate(addDays(local.clock(), 5));
const keys = () => local.net.keys;
const register = (key: string, body: Record<string, unknown>) => local.call('POST', '/v1/bookings', { key, body });
const rescreenNotices = () => local.notifications().filter((n) => n.type === 'booking.rescreen_matched');

/** The re-screen runs after the approval's answer: wait (bounded) until `count` notices are in. */
async function noticesAtLeast(count: number, timeoutMs = 10_000) {
  const started = Date.now();
  while (rescreenNotices().length < count) {
    if (Date.now() - started > timeoutMs) throw new Error(`only ${rescreenNotices().length} re-screen notices after ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 25));
  }
  return rescreenNotices();
}

async function publish(subject: Record<string, string>): Promise<string> {
  const submitted = await local.call('POST', '/v1/alerts', { key: keys().harbourDesk.apiKey, body: alertBody(local.net.clause, subject) });
  expect(submitted.status).toBe(201);
  for (const reviewer of [keys().elmReviewer, keys().valleyReviewer]) {
    const decided = await local.call('POST', `/v1/alerts/${submitted.body.alertId}/reviews`, {
      key: reviewer.apiKey,
      body: { decision: 'approve', reason: 'In order.' },
    });
    expect(decided.status).toBe(200);
  }
  return submitted.body.alertId as string;
}

beforeAll(async () => {
  local = await startLocalNetwork();
  local.clock.set(`${isoDate(new Date())}T10:15:20Z`);
  const created = await local.call('POST', '/v1/keys', {
    key: local.adminKey,
    body: { role: 'practice', practiceId: local.net.practices.elm, label: 'Elm front desk' },
  });
  expect(created.status).toBe(201);
  elmDesk = created.body.apiKey as string;
});

afterAll(() => local.stop());

describe('bad input', () => {
  it('refuses an appointment in the past or more than a year ahead with a 400 naming appointmentOn, and registers nothing', async () => {
    for (const appointmentOn of [isoDate(addDays(local.clock(), -2)), isoDate(addDays(local.clock(), 367))]) {
      const answer = await register(keys().valleyDesk.apiKey, { ref: 'bad-date', appointmentOn, subject: { phone: flagged.phone } });
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(answer.body.errors.map((e: { path: string }) => e.path)).toEqual(['appointmentOn']);
    }
    // Yesterday (UTC) is still today for practices in time zones behind UTC.
    const yesterday = await register(elmDesk, { ref: 'tz-west', appointmentOn: isoDate(addDays(local.clock(), -1)), subject: { phone: '+1 203 555 0150' } });
    expect(yesterday.status).toBe(201);
    const listed = await local.call('GET', '/v1/bookings', { key: keys().valleyDesk.apiKey });
    expect(listed.body.items).toEqual([]);
  });

  it('refuses a ref that is not a booking reference, and an unknown field', async () => {
    const badRef = await register(keys().valleyDesk.apiKey, { ref: 'a/b', appointmentOn: soon(), subject: { phone: flagged.phone } });
    expect(badRef.status).toBe(400);
    expect(badRef.body.errors[0].path).toBe('ref');
    const unknown = await register(keys().valleyDesk.apiKey, { ref: 'ok', appointmentOn: soon(), subject: { phone: flagged.phone }, note: 'x' });
    expect(unknown.status).toBe(400);
  });
});

describe('a booking registered before the alert publishes', () => {
  let alertId: string;

  it('is screened at once (no match yet), and registering the same ref again is idempotent', async () => {
    const first = await register(keys().valleyDesk.apiKey, {
      ref: 'valley-0930',
      appointmentOn: soon(),
      subject: { phone: '(860) 555-0191', fullName: flagged.fullName },
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      ref: 'valley-0930',
      appointmentOn: soon(),
      result: 'no_match',
      keptUntil: `${isoDate(addDays(local.clock(), 7))}T00:00:00Z`,
    });
    const again = await register(keys().valleyDesk.apiKey, {
      ref: 'valley-0930',
      appointmentOn: soon(),
      subject: { phone: '(860) 555-0191', fullName: flagged.fullName },
    });
    expect(again.status).toBe(200);
    expect(again.body.checkId).not.toBe(first.body.checkId); // screened again: a new check
    const listed = await local.call('GET', '/v1/bookings', { key: keys().valleyDesk.apiKey });
    expect(listed.body.items.map((item: { ref: string }) => item.ref)).toEqual(['valley-0930']);
    // Another client, registered by Elm: the alert must not reach it.
    expect((await register(elmDesk, { ref: 'elm-1100', appointmentOn: soon(), subject: { phone: '+1 203 555 0160' } })).status).toBe(201);
  });

  it('is notified, by its ref, once two reviewers publish an alert about that client', async () => {
    alertId = await publish({ email: flagged.email, phone: flagged.phone });
    const [notice] = await noticesAtLeast(1);
    expect(notice).toMatchObject({
      topic: 'practices',
      type: 'booking.rescreen_matched',
      practiceId: local.net.practices.valley,
      ref: 'valley-0930',
      appointmentOn: soon(),
      confidence: 'strong',
      category: 'sexual_misconduct',
      severity: 'high',
    });
    expect(Object.keys(notice!).sort()).toEqual([
      'appointmentOn',
      'at',
      'category',
      'checkId',
      'confidence',
      'practiceId',
      'ref',
      'sentAt',
      'severity',
      'topic',
      'type',
    ]);
    // Nobody else's booking matched; the alert's id and its reporter are in no notice.
    await new Promise((done) => setTimeout(done, 200));
    expect(rescreenNotices()).toHaveLength(1);
    expect(JSON.stringify(notice)).not.toContain(alertId);
    expect(JSON.stringify(notice)).not.toContain(local.net.practices.harbour);
  });

  it("shows on the practice's list of upcoming bookings that now match, and only there", async () => {
    const valley = await local.call('GET', '/v1/bookings', { key: keys().valleyDesk.apiKey });
    expect(valley.status).toBe(200);
    const [booking] = valley.body.items;
    expect(booking.matches).toEqual([
      {
        checkId: expect.stringMatching(/^chk_/),
        confidence: 'strong',
        category: 'sexual_misconduct',
        severity: 'high',
        publishedOn: isoDate(local.clock()),
        matchedAt: expect.any(String),
      },
    ]);
    const elm = await local.call('GET', '/v1/bookings', { key: elmDesk });
    expect(elm.body.items.every((item: { matches: unknown[] }) => item.matches.length === 0)).toBe(true);
    expect(elm.text).not.toContain('valley-0930');
  });

  it('is told again when the alert is reinstated after a dispute', async () => {
    for (const step of ['disputes', 'reinstate']) {
      expect((await local.call('POST', `/v1/alerts/${alertId}/${step}`, { key: local.adminKey, body: { reason: 'Heard.' } })).status).toBe(200);
    }
    const notices = await noticesAtLeast(2);
    expect(notices[1]).toMatchObject({ type: 'booking.rescreen_matched', ref: 'valley-0930', practiceId: local.net.practices.valley });
  });

  it('audits the registrations and the re-screens like checks, in an intact chain', async () => {
    const chain = await intactChain(local.deps.audit);
    const registered = chain.filter((entry) => entry.action === 'booking.registered');
    expect(registered.map((entry) => entry.outcome)).toEqual(expect.arrayContaining(['registered', 'replaced']));
    const rescreened = chain.filter((entry) => entry.action === 'booking.rescreened');
    expect(rescreened).toHaveLength(2);
    expect(rescreened[0]).toMatchObject({
      targets: { alertId, practiceId: local.net.practices.valley },
      bookings: [{ result: 'match', confidence: 'strong' }],
    });
    // Each registration's screening is a check, with the registration flag.
    expect(chain.filter((entry) => entry.action === 'check.performed' && entry.detail?.registration === true).length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(chain)).not.toContain('valley-0930'); // the practice's ref is its own text, not the log's
  });

  it('cancelling deletes it: another practice gets a 404, the owner a 204, and a later alert finds nothing', async () => {
    expect((await local.call('DELETE', '/v1/bookings/valley-0930', { key: keys().harbourDesk.apiKey })).status).toBe(404);
    expect((await local.call('DELETE', '/v1/bookings/valley-0930', { key: keys().valleyDesk.apiKey })).status).toBe(204);
    expect((await local.call('DELETE', '/v1/bookings/valley-0930', { key: keys().valleyDesk.apiKey })).status).toBe(404);
    expect((await local.call('GET', '/v1/bookings', { key: keys().valleyDesk.apiKey })).body.items).toEqual([]);
    const alert = await local.deps.alerts.get(alertId);
    expect(
      await local.deps.bookings.findByTokens(
        alert!.tokens.map(({ token }) => token),
        local.clock(),
      ),
    ).toEqual([]);
    const chain = await intactChain(local.deps.audit);
    expect(chain.at(-1)).toMatchObject({ action: 'booking.cancelled', targets: { practiceId: local.net.practices.valley } });
  });
});

describe('kept until the day after the appointment', () => {
  it('is deleted by the sweep once that day is over (what DynamoDB TTL does in AWS)', async () => {
    const appointmentOn = isoDate(addDays(local.clock(), 2));
    expect((await register(keys().valleyDesk.apiKey, { ref: 'valley-expiring', appointmentOn, subject: { email: 'expiring@example.org' } })).status).toBe(201);
    local.clock.set(`${isoDate(addDays(local.clock(), 3))}T23:59:00Z`); // the day after the appointment: still kept
    await runSweep(local.deps); // removes the registrations of earlier tests that are over by now, not this one
    expect((await local.call('GET', '/v1/bookings', { key: keys().valleyDesk.apiKey })).body.items.map((i: { ref: string }) => i.ref)).toEqual([
      'valley-expiring',
    ]);
    local.clock.advanceMs(60_000); // midnight: gone
    expect((await local.call('GET', '/v1/bookings', { key: keys().valleyDesk.apiKey })).body.items).toEqual([]);
    const swept = await runSweep(local.deps);
    expect(swept.registrationsRemoved).toBe(1);
    expect(await local.deps.bookings.get(local.net.practices.valley, 'valley-expiring')).toBeUndefined();
  });
});

describe("the reporter's daily digest", () => {
  it("tells the reporting practice a day's count once it reaches the threshold, and nothing below it", async () => {
    const subjectA = { email: 'digest-a@example.org' };
    const subjectB = { email: 'digest-b@example.org' };
    const [alertA, alertB] = [await publish(subjectA), await publish(subjectB)];
    // Only the reporter may opt in; to another practice the alert does not exist.
    expect((await local.call('PUT', `/v1/alerts/${alertA}/match-digest`, { key: keys().valleyDesk.apiKey, body: { enabled: true } })).status).toBe(404);
    for (const alertId of [alertA, alertB]) {
      const optIn = await local.call('PUT', `/v1/alerts/${alertId}/match-digest`, { key: keys().harbourDesk.apiKey, body: { enabled: true } });
      expect(optIn.status).toBe(200);
      expect(optIn.body).toEqual({ alertId, enabled: true, threshold: 3, days: [] });
    }
    const day = isoDate(local.clock());
    for (let i = 0; i < 3; i += 1)
      expect((await local.call('POST', '/v1/checks', { key: keys().valleyDesk.apiKey, body: { subject: subjectA } })).body.result).toBe('match');
    for (let i = 0; i < 2; i += 1) expect((await local.call('POST', '/v1/checks', { key: elmDesk, body: { subject: subjectB } })).body.result).toBe('match');
    // The counters are kept off the answer's path: wait until they are in.
    for (let tries = 0; (await local.deps.matchDigests.counts(alertA, [day]))[0]!.matches < 3; tries += 1) {
      expect(tries).toBeLessThan(200);
      await new Promise((done) => setTimeout(done, 10));
    }

    // The day is not over: nothing is told yet.
    expect(await sendMatchDigests(local.deps)).toEqual({ sent: 0, withheld: 0 });
    local.clock.advanceDays(1);
    expect(await sendMatchDigests(local.deps)).toEqual({ sent: 1, withheld: 1 });
    expect(await sendMatchDigests(local.deps)).toEqual({ sent: 0, withheld: 0 }); // at most once a day
    const digests = local.notifications().filter((n) => n.type === 'alert.match_digest');
    expect(digests).toEqual([
      { sentAt: expect.any(String), topic: 'practices', type: 'alert.match_digest', practiceId: local.net.practices.harbour, alertId: alertA, day, matches: 3 },
    ]);

    const viewA = await local.call('GET', `/v1/alerts/${alertA}/match-digest`, { key: keys().harbourDesk.apiKey });
    expect(viewA.body).toEqual({ alertId: alertA, enabled: true, threshold: 3, days: [{ day, matches: 3 }] });
    const viewB = await local.call('GET', `/v1/alerts/${alertB}/match-digest`, { key: keys().harbourDesk.apiKey });
    expect(viewB.body.days).toEqual([]); // 2 is below the threshold: not even shown as a small number
    expect((await local.call('GET', `/v1/alerts/${alertB}/match-digest`, { key: elmDesk })).status).toBe(404);
  });

  it('counts nothing for an alert whose reporter did not opt in, or opted out', async () => {
    const subject = { email: 'digest-c@example.org' };
    const alertId = await publish(subject);
    await local.call('PUT', `/v1/alerts/${alertId}/match-digest`, { key: keys().harbourDesk.apiKey, body: { enabled: false } });
    for (let i = 0; i < 3; i += 1) await local.call('POST', '/v1/checks', { key: keys().valleyDesk.apiKey, body: { subject } });
    await new Promise((done) => setTimeout(done, 200));
    expect(await local.deps.matchDigests.counts(alertId, [isoDate(local.clock())])).toEqual([{ day: isoDate(local.clock()), matches: 0 }]);
  });
});
