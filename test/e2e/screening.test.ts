import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalNetwork, type LocalNetwork } from '../support/local-network.ts';
import { alertBody } from '../support/story.ts';
import { intactChain } from '../support/audit-chain.ts';
import { screeningAnswerBytes } from '#functions/http/padding.ts';

/**
 * Screening in bulk and the limits against enumeration, over HTTP against DynamoDB Local:
 * batch answers in input order, one bad booking refuses the whole batch, the per-practice quota
 * holds under concurrent requests, and the security topic hears once per window.
 */
const perMinute = 10;
const perDay = 60;
let local: LocalNetwork;
const flagged = { fullName: 'Casimir Batchwell-Oduya', dateOfBirth: '1969-12-01', phone: '+1 860 555 0177', email: 'c.oduya@example.com' };

beforeAll(async () => {
  local = await startLocalNetwork({ CHECKS_PER_MINUTE: String(perMinute), CHECKS_PER_DAY: String(perDay) });
  // Mid-minute, so a test's requests all fall in one quota minute.
  local.clock.set('2026-11-23T10:15:20Z');
  const submitted = await local.call('POST', '/v1/alerts', { key: local.net.keys.harbourDesk.apiKey, body: alertBody(local.net.clause, flagged) });
  for (const reviewer of [local.net.keys.elmReviewer, local.net.keys.valleyReviewer]) {
    await local.call('POST', `/v1/alerts/${submitted.body.alertId}/reviews`, { key: reviewer.apiKey, body: { decision: 'approve', reason: 'In order.' } });
  }
});

afterAll(() => local.stop());

const batch = (key: string, bookings: unknown[]) => local.call('POST', '/v1/checks/batch', { key, body: { bookings } });
const other = (i: number) => ({ phone: `+1 203 555 ${String(1000 + i).slice(-4)}` });

describe('batch screening', () => {
  it('answers each booking in input order with its ref, the matches among them', async () => {
    const bookings = [
      { ref: 'bk-1', subject: other(1) },
      { ref: 'bk-2', subject: { phone: '(860) 555-0177' } },
      { ref: 'bk-3', subject: { fullName: flagged.fullName } },
      { ref: 'bk-4', subject: other(4), bookingOn: '2026-11-30' },
    ];
    const answer = await batch(local.net.keys.valleyDesk.apiKey, bookings);
    expect(answer.status).toBe(200);
    expect(answer.body.results.map((r: { ref: string; result: string; confidence?: string }) => [r.ref, r.result, r.confidence])).toEqual([
      ['bk-1', 'no_match', undefined],
      ['bk-2', 'match', 'strong'],
      ['bk-3', 'match', 'possible'],
      ['bk-4', 'no_match', undefined],
    ]);
    expect(new Set(answer.body.results.map((r: { checkId: string }) => r.checkId)).size).toBe(4);
    expect(answer.text).not.toContain('555-0177');
  });

  it('one bad booking is a 400 naming its index and field, and nothing is counted or audited', async () => {
    const head = await local.deps.audit.head();
    const answer = await batch(local.net.keys.valleyDesk.apiKey, [
      { ref: 'ok-1', subject: other(5) },
      { ref: 'ok-2', subject: { phone: 'not a phone' } },
      { ref: 'ok-2', subject: other(6) },
    ]);
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.body.errors.map((e: { path: string }) => e.path)).toEqual(['bookings.1.subject.phone', 'bookings.2.ref']);
    expect(await local.deps.audit.head()).toEqual(head);
  });

  it('refuses more than 100 bookings, and an empty batch', async () => {
    const many = Array.from({ length: 101 }, (_, i) => ({ ref: `r${i}`, subject: other(i) }));
    const tooMany = await batch(local.net.keys.valleyDesk.apiKey, many);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors).toEqual([{ path: 'bookings', message: 'must hold at most 100 bookings' }]);
    expect((await batch(local.net.keys.valleyDesk.apiKey, [])).status).toBe(400);
  });
});

describe('answer sizes', () => {
  it('a match, a possible match and a no-match are answered in the same number of bytes, one check or a batch', async () => {
    local.clock.set('2026-11-23T10:30:00Z');
    const key = local.net.keys.valleyDesk.apiKey;
    const subjects = [{ phone: flagged.phone }, { fullName: flagged.fullName }, other(50)];
    const single = await Promise.all(subjects.map((subject) => local.call('POST', '/v1/checks', { key, body: { subject } })));
    expect(single.map((answer) => [answer.body.result, answer.body.confidence])).toEqual([
      ['match', 'strong'],
      ['match', 'possible'],
      ['no_match', undefined],
    ]);
    expect(single.map((answer) => Buffer.byteLength(answer.text))).toEqual([screeningAnswerBytes, screeningAnswerBytes, screeningAnswerBytes]);
    const mixed = await batch(
      key,
      subjects.map((subject, i) => ({ ref: `m${i}`, subject })),
    );
    const misses = await batch(
      key,
      [51, 52, 53].map((n, i) => ({ ref: `m${i}`, subject: other(n) })),
    );
    expect(mixed.body.results.filter((r: { result: string }) => r.result === 'match')).toHaveLength(2);
    expect(Buffer.byteLength(mixed.text)).toBe(Buffer.byteLength(misses.text));
  });
});

describe('screening quota', () => {
  it('concurrent checks from one practice never exceed the per-minute quota; other practices are unaffected', async () => {
    local.clock.set('2026-11-23T11:00:30Z');
    const fired = 30;
    const answers = await Promise.all(
      Array.from({ length: fired }, (_, i) => local.call('POST', '/v1/checks', { key: local.net.keys.harbourDesk.apiKey, body: { subject: other(100 + i) } })),
    );
    const accepted = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(accepted).toHaveLength(perMinute);
    expect(refused).toHaveLength(fired - perMinute);
    for (const answer of refused) {
      expect(answer.headers.get('retry-after')).toBe('30');
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(answer.body).toMatchObject({ status: 429, title: 'Too many requests' });
      expect(answer.body).not.toHaveProperty('result');
    }
    // Another practice screens freely in the same minute.
    const elsewhere = await local.call('POST', '/v1/checks', { key: local.net.keys.valleyDesk.apiKey, body: { subject: other(200) } });
    expect(elsewhere.status).toBe(200);
    // The next minute the practice may screen again.
    local.clock.set('2026-11-23T11:01:00Z');
    expect((await local.call('POST', '/v1/checks', { key: local.net.keys.harbourDesk.apiKey, body: { subject: other(300) } })).status).toBe(200);
    process.stdout.write(`quota run: fired ${fired}, accepted ${accepted.length}, refused ${refused.length}\n`);
  });

  it('a batch counts each booking: a batch larger than what is left of the minute is refused whole', async () => {
    local.clock.set('2026-11-23T12:00:10Z');
    const eight = Array.from({ length: 8 }, (_, i) => ({ ref: `a${i}`, subject: other(400 + i) }));
    expect((await batch(local.net.keys.harbourDesk.apiKey, eight)).status).toBe(200);
    const three = Array.from({ length: 3 }, (_, i) => ({ ref: `b${i}`, subject: other(500 + i) }));
    const refused = await batch(local.net.keys.harbourDesk.apiKey, three);
    expect(refused.status).toBe(429);
    expect(refused.body.detail).toMatch(/10 bookings per minute \(this batch has 3\)/);
    expect((await batch(local.net.keys.harbourDesk.apiKey, three.slice(0, 2))).status).toBe(200);
  });

  it('holds the per-day quota across minutes, with Retry-After until midnight UTC', async () => {
    // Harbour has used 10 + 1 + 8 + 2 = 21 today; 39 more reach the day's 60.
    for (let minute = 0; minute < 4; minute += 1) {
      local.clock.set(`2026-11-23T13:0${minute}:00Z`);
      const bookings = Array.from({ length: minute < 3 ? 10 : 9 }, (_, i) => ({ ref: `d${minute}-${i}`, subject: other(600 + minute * 10 + i) }));
      expect((await batch(local.net.keys.harbourDesk.apiKey, bookings)).status).toBe(200);
    }
    local.clock.set('2026-11-23T23:59:00Z');
    const over = await local.call('POST', '/v1/checks', { key: local.net.keys.harbourDesk.apiKey, body: { subject: other(700) } });
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('60');
    expect(over.body.detail).toMatch(/per day/);
  });

  it('the security topic heard of each window once, not once per refused request', () => {
    const notices = local.notifications().filter((line) => line.type === 'screening.quota_exceeded');
    expect(notices.map(({ practiceId, window }) => [practiceId, window])).toEqual([
      [local.net.practices.harbour, 'minute'],
      [local.net.practices.harbour, 'minute'],
      [local.net.practices.harbour, 'day'],
    ]);
    expect(notices.every((notice) => notice.topic === 'security')).toBe(true);
  });
});

describe('enumeration watch', () => {
  const budget = 5;
  let guessing: LocalNetwork;
  beforeAll(async () => {
    guessing = await startLocalNetwork({ GUESSES_PER_DAY: String(budget), SLOWED_CHECKS_PER_MINUTE: '2', SLOWED_CHECKS_PER_DAY: '12' });
    guessing.clock.set('2026-11-24T09:10:00Z');
    const submitted = await guessing.call('POST', '/v1/alerts', { key: guessing.net.keys.harbourDesk.apiKey, body: alertBody(guessing.net.clause, flagged) });
    for (const reviewer of [guessing.net.keys.elmReviewer, guessing.net.keys.valleyReviewer]) {
      await guessing.call('POST', `/v1/alerts/${submitted.body.alertId}/reviews`, { key: reviewer.apiKey, body: { decision: 'approve', reason: 'In order.' } });
    }
  });
  afterAll(() => guessing.stop());

  it("every guess counts, whatever the booking carried; spending the day's budget tells security once and slows the practice", async () => {
    const key = guessing.net.keys.valleyDesk.apiKey;
    const check = (subject: Record<string, string | undefined>) => guessing.call('POST', '/v1/checks', { key, body: { subject } });
    // Strong matches are free.
    for (let i = 0; i < 3; i += 1) expect((await check({ phone: flagged.phone })).body).toMatchObject({ confidence: 'strong' });
    const guesses = [
      { fullName: 'Guessed Name One', phone: '+1 203 555 0901' },
      { fullName: 'Guessed Name Two', dateOfBirth: '1971-01-01' },
      { fullName: flagged.fullName },
      { fullName: flagged.fullName, dateOfBirth: '1969-11-30' },
      { fullName: flagged.fullName, dateOfBirth: '1969-12-02' },
    ];
    for (const subject of guesses) expect((await check(subject)).status).toBe(200);
    expect(guessing.notifications().filter((line) => line.type === 'screening.possible_enumeration')).toEqual([]);
    // A date of birth one digit from the flagged person's is a possible match: the sweep's sixth guess.
    expect((await check({ fullName: flagged.fullName, dateOfBirth: '1969-12-03' })).body).toMatchObject({
      result: 'match',
      confidence: 'possible',
      alerts: [{ confidence: 'possible', matchedOn: ['dob_variant', 'name'] }],
    });
    const notices = guessing.notifications().filter((line) => line.type === 'screening.possible_enumeration');
    expect(notices).toEqual([
      expect.objectContaining({ topic: 'security', practiceId: guessing.net.practices.valley, budget, day: '2026-11-24', slowedUntil: '2026-11-25T09:10:00Z' }),
    ]);
    expect(JSON.stringify(notices)).not.toMatch(/guessed|batchwell|1969/i);
    // Slowed: at most 2 a minute, even for a booking that would match.
    const slowed = await check({ phone: flagged.phone });
    expect(slowed.status).toBe(429);
    expect(slowed.headers.get('retry-after')).toBe('60');
    expect(slowed.body.detail).toMatch(/reduced to 2 bookings per minute/);
    guessing.clock.set('2026-11-24T09:11:00Z');
    expect((await check({ phone: flagged.phone })).status).toBe(200);
    // Another practice screens as before.
    expect((await guessing.call('POST', '/v1/checks', { key: guessing.net.keys.harbourDesk.apiKey, body: { subject: other(900) } })).status).toBe(200);
  });
});

describe('the audit log of screening', () => {
  it('every answered booking is in the audit log and no refused one is; the chain is intact', async () => {
    const entries = await intactChain(local.deps.audit);
    const checked = entries.filter((entry) => entry.action === 'check.performed').flatMap((entry) => entry.bookings ?? []);
    // Answered with 200 over this network: 4 (batch) + 3 + 3 + 3 (sizes) + 10 + 1 + 1 (quota) + 8 + 2 (batches) + 39 (day).
    expect(checked).toHaveLength(74);
    expect(checked.every((booking) => booking.tokenDigests.length === booking.tokenKinds.length && booking.tokens === undefined)).toBe(true);
    expect(JSON.stringify(entries)).not.toMatch(/batchwell|555-0177|8605550177/i);
  });
});
