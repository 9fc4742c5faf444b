import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '#shared/ids.ts';
import { isoDate } from '#shared/dates.ts';
import { startLocalNetwork, type LocalNetwork } from '../support/local-network.ts';
import { alertBody } from '../support/story.ts';
import { storedState, type StoredState } from '../support/stored-state.ts';
import { calcomDelivery, signCalcom, startCalcomStandIn, type CalcomStandIn } from '../support/calcom.ts';
import { intactChain } from '../support/audit-chain.ts';
import { calcomAnswerSchema, calcomIntegrationViewSchema } from '#shared/contract/integrations.ts';

/**
 * Cal.com's webhook over HTTP, end to end: the local server (the same route table, pipeline and
 * handler as in Lambda) over DynamoDB Local, the practice's integration set through the API, and
 * a stand-in for Cal.com's API that records the decline it is asked for.
 */
let local: LocalNetwork;
let calcom: CalcomStandIn;
const secret = 'e2e-webhook-secret-5f1c2a9d7b';
const calcomApiKey = 'cal_live_e2e_0123456789';
const flagged = { fullName: 'Casimir Webhookson-Oduya', phone: '+1 860 555 0188', email: 'c.webhookson@example.com' };
const stranger = { name: 'Ann Lee', email: 'ann.lee@example.org', timeZone: 'America/New_York' };

const webhookPath = (practiceId: string) => `/v1/integrations/calcom/${practiceId}`;
/** Posts a delivery as Cal.com does: the JSON text, signed over exactly those bytes. */
function deliver(practiceId: string, body: unknown, options: { secret?: string | null; text?: string } = {}) {
  const text = options.text ?? JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.secret !== null) headers['x-cal-signature-256'] = signCalcom(options.secret ?? secret, Buffer.from(text, 'utf8'));
  return local.call('POST', webhookPath(practiceId), { rawBody: text, headers });
}
const tables = () => ({ main: local.config.MAIN_TABLE, tokens: local.config.TOKEN_TABLE, audit: local.config.AUDIT_TABLE, keys: local.config.API_KEYS_TABLE });
const state = (): Promise<StoredState> => storedState(local.config.DYNAMODB_ENDPOINT!, tables());
const quotaCount = async (practiceId: string) => {
  const item = (await state()).main.find((i) => i.pk === `QUOTA#${practiceId}` && i.sk === `DAY#${isoDate(local.clock())}`);
  return Number(item?.dayCount ?? 0);
};
const calcomChecks = async () => (await intactChain(local.deps.audit)).filter((e) => e.action === 'check.performed' && e.actor.keyId === 'integration:calcom');

beforeAll(async () => {
  local = await startLocalNetwork();
  local.clock.set('2026-11-23T10:15:20Z');
  calcom = await startCalcomStandIn();
  const submitted = await local.call('POST', '/v1/alerts', { key: local.net.keys.harbourDesk.apiKey, body: alertBody(local.net.clause, flagged) });
  expect(submitted.status).toBe(201);
  for (const reviewer of [local.net.keys.elmReviewer, local.net.keys.valleyReviewer]) {
    const decided = await local.call('POST', `/v1/alerts/${submitted.body.alertId}/reviews`, {
      key: reviewer.apiKey,
      body: { decision: 'approve', reason: 'In order.' },
    });
    expect(decided.status).toBe(200);
  }
});

afterAll(async () => {
  await calcom?.stop();
  await local?.stop();
});

describe('setting up the integration', () => {
  it('the practice sets its secret, API key, stand-in base URL and decline; the answer and GET never show a secret', async () => {
    const valley = local.net.practices.valley;
    const put = await local.call('PUT', `/v1/practices/${valley}/integrations/calcom`, {
      key: local.net.keys.valleyDesk.apiKey,
      body: { webhookSecret: secret, calcomApiKey, calcomApiBaseUrl: calcom.baseUrl, onMatch: 'decline' },
    });
    expect(put.status, put.text).toBe(200);
    expect(calcomIntegrationViewSchema.parse(put.body)).toEqual(put.body);
    expect(put.body).toMatchObject({
      practiceId: valley,
      webhookPath: webhookPath(valley),
      webhookSecretSet: true,
      calcomApiKeySet: true,
      calcomApiBaseUrl: calcom.baseUrl,
      onMatch: 'decline',
    });
    const get = await local.call('GET', `/v1/practices/${valley}/integrations/calcom`, { key: local.adminKey });
    expect(get.body).toEqual(put.body);
    for (const text of [put.text, get.text, JSON.stringify(await state())]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(calcomApiKey);
    }
    const audited = (await intactChain(local.deps.audit)).filter((e) => e.action === 'integration.configured');
    expect(audited).toEqual([
      expect.objectContaining({
        targets: { practiceId: valley },
        outcome: 'success',
        detail: expect.objectContaining({ onMatch: 'decline', calcomApiKeySet: true }),
      }),
    ]);
  });

  it('refuses a bad configuration with a 400 naming each field', async () => {
    const answer = await local.call('PUT', `/v1/practices/${local.net.practices.elm}/integrations/calcom`, {
      key: local.adminKey,
      body: { webhookSecret: 'short', calcomApiBaseUrl: 'ftp://cal.example.org', onMatch: 'decline' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors.map((e: { path: string }) => e.path)).toEqual(['webhookSecret', 'calcomApiBaseUrl', 'calcomApiKey']);
  });
});

describe('deliveries', () => {
  const valley = () => local.net.practices.valley;

  it("screens Cal.com's example BOOKING_CREATED: 200 per attendee, audited as a check by integration:calcom, counted in the quota", async () => {
    const before = { checks: (await calcomChecks()).length, quota: await quotaCount(valley()) };
    const answer = await deliver(
      valley(),
      calcomDelivery({ uid: 'e2e-created-1', attendees: [stranger, { name: 'Guest Two', email: 'guest.two@example.org' }] }),
    );
    expect(answer.status, answer.text).toBe(200);
    expect(calcomAnswerSchema.parse(answer.body)).toEqual(answer.body);
    expect(answer.body).toMatchObject({ triggerEvent: 'BOOKING_CREATED', screened: true, result: 'no_match', bookingAction: 'none' });
    expect(answer.body.attendees.map((a: { attendee: number; result: string }) => [a.attendee, a.result])).toEqual([
      [1, 'no_match'],
      [2, 'no_match'],
    ]);
    expect(answer.text).not.toMatch(/ann\.lee|Ann Lee|guest\.two/i);
    const checks = await calcomChecks();
    expect(checks).toHaveLength(before.checks + 1);
    expect(checks.at(-1)).toMatchObject({ actor: { role: 'system', practiceId: valley() }, detail: { source: 'calcom', bookings: 2, matches: 0 } });
    expect(await quotaCount(valley())).toBe(before.quota + 2);
  });

  it('on a strong match of a booking request: notifies the practice and declines it through the stand-in; a replay is screened once', async () => {
    const body = calcomDelivery({
      triggerEvent: 'BOOKING_REQUESTED',
      uid: 'e2e-requested-1',
      attendees: [{ name: 'C. Oduya', email: 'someone.else@example.org', timeZone: 'America/New_York' }],
      responses: { attendeePhoneNumber: { label: 'phone_number', value: '(860) 555-0188' } },
    });
    const callsBefore = calcom.calls.length;
    const answer = await deliver(valley(), body);
    expect(answer.status, answer.text).toBe(200);
    expect(calcomAnswerSchema.parse(answer.body)).toEqual(answer.body);
    expect(answer.body).toMatchObject({
      triggerEvent: 'BOOKING_REQUESTED',
      result: 'match',
      bookingAction: 'declined',
      attendees: [{ attendee: 1, result: 'match', confidence: 'strong', matchedOn: ['phone'] }],
    });
    expect(answer.text).not.toContain('555-0188');

    expect(calcom.calls.slice(callsBefore)).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/v2/bookings/e2e-requested-1/decline',
        body: JSON.stringify({ reason: 'The practice is unable to offer this appointment.' }),
      }),
    ]);
    expect(calcom.calls.at(-1)!.headers).toMatchObject({ authorization: `Bearer ${calcomApiKey}`, 'cal-api-version': '2024-08-13' });

    const notice = local.notifications().filter((n) => n.type === 'screening.booking_matched');
    expect(notice).toEqual([
      expect.objectContaining({
        topic: 'practices',
        practiceId: valley(),
        source: 'calcom',
        bookingUid: 'e2e-requested-1',
        confidence: 'strong',
        category: 'sexual_misconduct',
        severity: 'high',
        bookingAction: 'declined',
      }),
    ]);
    expect(JSON.stringify(notice)).not.toMatch(/555-0188|Oduya|someone\.else/);
    const declined = (await intactChain(local.deps.audit)).filter((e) => e.action === 'booking.declined');
    expect(declined).toEqual([expect.objectContaining({ outcome: 'success', targets: expect.objectContaining({ practiceId: valley() }) })]);

    // Cal.com delivers again (a retry, or BOOKING_CREATED once the booking is confirmed): same answer, nothing screened or declined again.
    const checks = (await calcomChecks()).length;
    const quota = await quotaCount(valley());
    local.clock.advanceMs(5_000);
    const replay = await deliver(valley(), { ...body, triggerEvent: 'BOOKING_CREATED' });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(answer.body);
    expect((await calcomChecks()).length).toBe(checks);
    expect(await quotaCount(valley())).toBe(quota);
    expect(calcom.calls.length).toBe(callsBefore + 1);
    expect(local.notifications().filter((n) => n.type === 'screening.booking_matched')).toHaveLength(1);
  });

  it('checks the signature over the raw bytes: pretty-printed JSON with non-ASCII names verifies as sent', async () => {
    const body = calcomDelivery({ uid: 'e2e-raw-bytes', attendees: [{ name: 'Zoë Ñandú-Łukasz', email: 'zoe@example.org' }] });
    const answer = await deliver(valley(), body, { text: `${JSON.stringify(body, null, 3)}\n` });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ screened: true, result: 'no_match' });
  });

  it("acknowledges and ignores other trigger events (and Cal.com's signed ping test), saying so", async () => {
    for (const triggerEvent of ['MEETING_ENDED', 'PING']) {
      const answer = await deliver(valley(), {
        triggerEvent,
        createdAt: '2023-05-24T09:30:00.538Z',
        payload: { type: 'Test', attendees: [{ name: 'John Doe', email: 'jdoe@example.com' }] },
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ triggerEvent, screened: false, detail: expect.stringContaining('ignored') });
    }
  });

  describe('refusals change nothing', () => {
    let before: StoredState;
    beforeAll(async () => {
      before = await state();
    });
    const unchanged = async () => expect(await state()).toEqual(before);
    const body = calcomDelivery({ uid: 'e2e-refused', attendees: [{ name: flagged.fullName, email: flagged.email }] });

    it('a wrong signature is 401 problem+json, nothing screened', async () => {
      const answer = await deliver(valley(), body, { secret: 'not-the-secret-0123456789' });
      expect(answer.status).toBe(401);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({ type: 'https://peerguard.dev/problems/invalid-signature', status: 401 });
      expect(answer.text).not.toMatch(/Webhookson|c\.webhookson/);
      await unchanged();
    });

    it('no signature is 401', async () => {
      const answer = await deliver(valley(), body, { secret: null });
      expect(answer.status).toBe(401);
      await unchanged();
    });

    it('a body changed after signing is 401', async () => {
      const text = JSON.stringify(body);
      const answer = await local.call('POST', webhookPath(valley()), {
        rawBody: text.replace('e2e-refused', 'e2e-refusex'),
        headers: { 'content-type': 'application/json', 'x-cal-signature-256': signCalcom(secret, text) },
      });
      expect(answer.status).toBe(401);
      await unchanged();
    });

    it('an unknown practice is 404, and so is a practice without a secret', async () => {
      for (const practiceId of [newId('prc'), local.net.practices.harbour, 'prc_not-a-real-id']) {
        const answer = await deliver(practiceId, body);
        expect(answer.status, practiceId).toBe(404);
        expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
      await unchanged();
    });

    it('a signed payload of another shape is 400 naming the field', async () => {
      const answer = await deliver(valley(), { ...body, payload: { ...(body.payload as object), attendees: [{ name: 'A', email: ['x'] }] } });
      expect(answer.status).toBe(400);
      expect(answer.body.errors).toEqual([{ path: 'payload.attendees.0.email', message: expect.any(String) }]);
      const noPayload = await deliver(valley(), { triggerEvent: 'BOOKING_CREATED' });
      expect(noPayload.body.errors).toEqual([{ path: 'payload', message: 'is required' }]);
      await unchanged();
    });

    it('a body over 64 KiB is 413; a form-encoded one 415', async () => {
      const big = calcomDelivery({ uid: 'e2e-big', attendees: [{ name: 'A', email: 'a@example.org', notes: 'x'.repeat(70_000) }] });
      expect((await deliver(valley(), big)).status).toBe(413);
      const text = 'triggerEvent=BOOKING_CREATED';
      const form = await local.call('POST', webhookPath(valley()), {
        rawBody: text,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-cal-signature-256': signCalcom(secret, text) },
      });
      expect(form.status).toBe(415);
      await unchanged();
    });
  });
});
