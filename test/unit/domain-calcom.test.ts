import { describe, expect, it } from 'vitest';
import { receiveCalcomDelivery, type CalcomAnswer } from '#shared/domain/calcom-webhook.ts';
import { guidance } from '#shared/domain/checks.ts';
import { configureCalcom, getCalcom } from '#shared/domain/integrations.ts';
import { createPractice } from '#shared/domain/practices.ts';
import { ConflictError, NotFoundError, SignatureError, ValidationError } from '#shared/errors.ts';
import { newId } from '#shared/ids.ts';
import { calcomIntegrationSchema, defaultDeclineReason, parseInput } from '#shared/schemas.ts';
import { recordingCalcomApi, testSettings } from '../fakes/deps.ts';
import { canarySubject, principal, publishedAlert, testNetwork, type TestNetwork } from '../fakes/fixtures.ts';
import { calcomDelivery, signCalcom } from '../support/calcom.ts';

const secret = 'whsec-domain-test-0123456789';
const apiKey = 'cal_live_0123456789abcdef';

/** Practice B (which screens) as a stored practice with a Cal.com integration; practice A's alert about the canary is published. */
async function setUp(options: Record<string, unknown> = {}, overrides: Parameters<typeof testNetwork>[0] = {}) {
  const net = await testNetwork(overrides);
  const practice = await createPractice(net.deps, { keyId: 'key_admin', role: 'admin' }, { name: 'Valley Therapy', region: 'CT' });
  const desk = principal('practice', practice.practiceId);
  await configureCalcom(net.deps, desk, practice.practiceId, parseInput(calcomIntegrationSchema, { webhookSecret: secret, ...options }));
  await publishedAlert(net);
  return { net, practiceId: practice.practiceId, desk };
}

function deliver(net: TestNetwork, practiceId: string, body: unknown, signWith: string | undefined = secret): Promise<CalcomAnswer> {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  return receiveCalcomDelivery(net.deps, practiceId, {
    body: bytes,
    signature: signWith === undefined ? undefined : signCalcom(signWith, bytes),
    json: () => JSON.parse(bytes.toString('utf8')),
  });
}

const canaryAttendee = { name: canarySubject.fullName, email: canarySubject.email, timeZone: 'America/New_York' };
const strangerAttendee = { name: 'Ann Lee', email: 'ann.lee@example.org', timeZone: 'America/New_York' };
const checksIn = (net: TestNetwork) => net.deps.memory.audit.entries.filter((entry) => entry.action === 'check.performed');

describe('configureCalcom / getCalcom', () => {
  it('stores the secrets encrypted, answers without them, and audits that they were set', async () => {
    const { net, practiceId, desk } = await setUp({ calcomApiKey: apiKey, onMatch: 'decline' });
    const stored = JSON.stringify(net.deps.memory.integrations.dump());
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(apiKey);
    const view = await getCalcom(net.deps, desk, practiceId);
    expect(view).toEqual({
      practiceId,
      provider: 'calcom',
      webhookPath: `/v1/integrations/calcom/${practiceId}`,
      webhookSecretSet: true,
      calcomApiKeySet: true,
      calcomApiBaseUrl: 'https://api.cal.com/v2',
      onMatch: 'decline',
      declineReason: defaultDeclineReason,
      configuredAt: '2026-11-21T19:04:05Z',
    });
    expect(JSON.stringify(view)).not.toContain(secret);
    const entry = net.deps.memory.audit.entries.find((e) => e.action === 'integration.configured');
    expect(entry).toMatchObject({
      actor: { keyId: desk.keyId, role: 'practice' },
      targets: { practiceId },
      detail: { provider: 'calcom', onMatch: 'decline', calcomApiKeySet: true },
    });
    expect(JSON.stringify(entry)).not.toContain(secret);
  });

  it("reads another practice's integration, or a practice that does not exist, as not found; an admin may set any", async () => {
    const { net, practiceId } = await setUp();
    const other = principal('practice', newId('prc'));
    await expect(getCalcom(net.deps, other, practiceId)).rejects.toBeInstanceOf(NotFoundError);
    const input = parseInput(calcomIntegrationSchema, { webhookSecret: secret });
    await expect(configureCalcom(net.deps, other, practiceId, input)).rejects.toBeInstanceOf(NotFoundError);
    await expect(configureCalcom(net.deps, net.admin, newId('prc'), input)).rejects.toBeInstanceOf(NotFoundError);
    await expect(configureCalcom(net.deps, net.admin, practiceId, input)).resolves.toMatchObject({ calcomApiKeySet: false, onMatch: 'notify' });
  });

  it('needs an API key to decline', () => {
    expect(() => parseInput(calcomIntegrationSchema, { webhookSecret: secret, onMatch: 'decline' })).toThrow(ValidationError);
    try {
      parseInput(calcomIntegrationSchema, { webhookSecret: 'short', calcomApiBaseUrl: 'http://cal.example.org/v2', onMatch: 'block' });
    } catch (error) {
      expect((error as ValidationError).errors!.map(({ path }) => path)).toEqual(['webhookSecret', 'calcomApiBaseUrl', 'onMatch']);
    }
  });
});

describe('receiveCalcomDelivery', () => {
  it('screens every attendee like a batch check: per-attendee answers, one audit entry, the quota counted', async () => {
    const { net, practiceId } = await setUp();
    const answer = await deliver(net, practiceId, calcomDelivery({ attendees: [strangerAttendee, canaryAttendee, { name: '???' }] }));
    expect(answer).toEqual({
      triggerEvent: 'BOOKING_CREATED',
      screened: true,
      result: 'match',
      bookingAction: 'none',
      attendees: [
        { attendee: 1, checkId: expect.stringMatching(/^chk_/), result: 'no_match' },
        {
          attendee: 2,
          checkId: expect.stringMatching(/^chk_/),
          result: 'match',
          confidence: 'strong',
          matchedOn: ['email', 'name'],
          alerts: [{ category: 'sexual_misconduct', severity: 'high', publishedOn: '2026-11-21', confidence: 'strong', matchedOn: ['email', 'name'] }],
          reportingPractices: 1,
          guidance: guidance.strong,
        },
        { attendee: 3, result: 'not_screened', reason: expect.any(String) },
      ],
    });
    const [check, ...others] = checksIn(net);
    expect(others).toEqual([]);
    expect(check).toMatchObject({
      actor: { keyId: 'integration:calcom', role: 'system', practiceId },
      targets: { practiceId },
      detail: { source: 'calcom', trigger: 'BOOKING_CREATED', bookings: 2, matches: 1 },
    });
    expect(check!.bookings!.map((b) => b.result)).toEqual(['no_match', 'match']);
    expect([...net.deps.memory.ledger.counts].filter(([key]) => key.startsWith(`${practiceId}#`) && key.length === practiceId.length + 11)).toEqual([
      [`${practiceId}#2026-11-21`, 2],
    ]);
  });

  it('tells the practice of a match (ids, tier, category, severity only); with onMatch notify it asks nothing of Cal.com', async () => {
    const { net, practiceId } = await setUp();
    const answer = await deliver(net, practiceId, calcomDelivery({ triggerEvent: 'BOOKING_REQUESTED', uid: 'req-uid-1', attendees: [canaryAttendee] }));
    expect(answer).toMatchObject({ result: 'match', bookingAction: 'none' });
    const notice = net.deps.sent.find((n) => n.type === 'screening.booking_matched');
    expect(notice).toEqual({
      topic: 'practices',
      type: 'screening.booking_matched',
      practiceId,
      source: 'calcom',
      bookingUid: 'req-uid-1',
      checkId: (answer as { attendees: { checkId: string }[] }).attendees[0]!.checkId,
      confidence: 'strong',
      category: 'sexual_misconduct',
      severity: 'high',
      bookingAction: 'none',
      at: '2026-11-21T19:04:05Z',
    });
    expect(net.deps.calcomCalls).toEqual([]);
  });

  it('declines a strongly matching booking request through Cal.com when the practice asked, and audits it', async () => {
    const { net, practiceId } = await setUp({ calcomApiKey: apiKey, onMatch: 'decline', calcomApiBaseUrl: 'https://cal.example.org/api/v2/' });
    const answer = await deliver(net, practiceId, calcomDelivery({ triggerEvent: 'BOOKING_REQUESTED', uid: 'req-uid-2', attendees: [canaryAttendee] }));
    expect(answer).toMatchObject({ result: 'match', bookingAction: 'declined' });
    expect(net.deps.calcomCalls).toEqual([{ apiBaseUrl: 'https://cal.example.org/api/v2', apiKey, bookingUid: 'req-uid-2', reason: defaultDeclineReason }]);
    expect(net.deps.sent.find((n) => n.type === 'screening.booking_matched')).toMatchObject({ bookingAction: 'declined' });
    expect(net.deps.memory.audit.entries.at(-1)).toMatchObject({ action: 'booking.declined', outcome: 'success', targets: { practiceId } });
  });

  it('never declines an accepted booking, nor on a name alone, nor when no match', async () => {
    const { net, practiceId } = await setUp({ calcomApiKey: apiKey, onMatch: 'decline' });
    await deliver(net, practiceId, calcomDelivery({ triggerEvent: 'BOOKING_CREATED', uid: 'created-1', attendees: [canaryAttendee] }));
    expect(
      await deliver(net, practiceId, calcomDelivery({ triggerEvent: 'BOOKING_REQUESTED', uid: 'name-only', attendees: [{ name: canarySubject.fullName }] })),
    ).toMatchObject({
      result: 'match',
      attendees: [{ confidence: 'possible' }],
      bookingAction: 'none',
    });
    await deliver(net, practiceId, calcomDelivery({ triggerEvent: 'BOOKING_REQUESTED', uid: 'clean-1', attendees: [strangerAttendee] }));
    expect(net.deps.calcomCalls).toEqual([]);
  });

  it('reports a decline Cal.com refused, and still answers and notifies', async () => {
    const calcom = recordingCalcomApi({ fail: true });
    const { net, practiceId } = await setUp({ calcomApiKey: apiKey, onMatch: 'decline' }, { calcom });
    const answer = await deliver(net, practiceId, calcomDelivery({ triggerEvent: 'BOOKING_REQUESTED', uid: 'req-fail', attendees: [canaryAttendee] }));
    expect(answer).toMatchObject({ result: 'match', bookingAction: 'decline_failed' });
    expect(calcom.declined).toHaveLength(1);
    expect(net.deps.sent.find((n) => n.type === 'screening.booking_matched')).toMatchObject({ bookingAction: 'decline_failed' });
    expect(net.deps.memory.audit.entries.at(-1)).toMatchObject({ action: 'booking.declined', outcome: 'failed' });
  });

  it('screens a replayed delivery (same booking uid) once and replays its answer', async () => {
    const { net, practiceId } = await setUp({ calcomApiKey: apiKey, onMatch: 'decline' });
    const body = calcomDelivery({ triggerEvent: 'BOOKING_REQUESTED', uid: 'replayed-uid', attendees: [canaryAttendee] });
    const first = await deliver(net, practiceId, body);
    net.deps.clock.advanceMs(60_000);
    // Cal.com sends BOOKING_CREATED for the same booking once it is confirmed: the same answer, no second screening.
    const again = await deliver(net, practiceId, { ...body, triggerEvent: 'BOOKING_CREATED' });
    expect(again).toEqual(first);
    expect(checksIn(net)).toHaveLength(1);
    expect(net.deps.calcomCalls).toHaveLength(1);
    expect(net.deps.sent.filter((n) => n.type === 'screening.booking_matched')).toHaveLength(1);
  });

  it('a delivery of a booking being screened right now is asked to come again; a failed screening frees the booking', async () => {
    const { net, practiceId } = await setUp();
    const body = calcomDelivery({ uid: 'busy-uid', attendees: [strangerAttendee] });
    const bytes = Buffer.from(JSON.stringify(body));
    const claimed = await net.deps.integrations.claimDelivery(
      practiceId,
      (await import('#shared/canonical.ts')).sha256Hex('calcom-booking|busy-uid'),
      net.deps.clock(),
      60,
    );
    expect(claimed).toEqual({ claimed: true });
    await expect(deliver(net, practiceId, body)).rejects.toBeInstanceOf(ConflictError);
    net.deps.clock.advanceMs(61_000);
    await expect(
      receiveCalcomDelivery({ ...net.deps, tokenIndex: { ...net.deps.tokenIndex, lookup: async () => Promise.reject(new Error('down')) } }, practiceId, {
        body: bytes,
        signature: signCalcom(secret, bytes),
        json: () => body,
      }),
    ).rejects.toThrow('down');
    expect(checksIn(net)).toHaveLength(0);
    await expect(deliver(net, practiceId, body)).resolves.toMatchObject({ result: 'no_match' });
    expect(checksIn(net)).toHaveLength(1);
  });

  it("over the practice's quota: 429, nothing screened or kept, and Cal.com's retry after the window is screened", async () => {
    const { net, practiceId } = await setUp({}, { settings: { ...testSettings, screening: { perMinute: 2, perDay: 100 } } });
    await expect(deliver(net, practiceId, calcomDelivery({ uid: 'first', attendees: [strangerAttendee] }))).resolves.toMatchObject({ result: 'no_match' });
    const body = calcomDelivery({ uid: 'over-quota', attendees: [strangerAttendee, canaryAttendee] });
    await expect(deliver(net, practiceId, body)).rejects.toMatchObject({ kind: 'rate_limited', retryAfterSeconds: expect.any(Number) });
    expect(checksIn(net)).toHaveLength(1);
    expect(net.deps.sent.filter((n) => n.type === 'screening.booking_matched')).toEqual([]);
    net.deps.clock.advanceMs(60_000);
    await expect(deliver(net, practiceId, body)).resolves.toMatchObject({ result: 'match' });
    expect(checksIn(net)).toHaveLength(2);
  });

  it('acknowledges and ignores other trigger events, saying so', async () => {
    const { net, practiceId } = await setUp();
    const answer = await deliver(net, practiceId, { triggerEvent: 'BOOKING_CANCELLED', createdAt: '2023-05-24T09:30:00.538Z', payload: { uid: 'x' } });
    expect(answer).toEqual({ triggerEvent: 'BOOKING_CANCELLED', screened: false, detail: expect.stringContaining('ignored') });
    expect(checksIn(net)).toEqual([]);
  });

  it('refuses a delivery that is unsigned or signed with another secret before reading it: nothing screened', async () => {
    const { net, practiceId } = await setUp();
    const body = calcomDelivery({ attendees: [canaryAttendee] });
    for (const signWith of [undefined, 'another-secret-0123456789']) {
      let parsed = false;
      const bytes = Buffer.from(JSON.stringify(body));
      const attempt = receiveCalcomDelivery(net.deps, practiceId, {
        body: bytes,
        signature: signWith === undefined ? undefined : signCalcom(signWith, bytes),
        json: () => ((parsed = true), body),
      });
      await expect(attempt).rejects.toBeInstanceOf(SignatureError);
      expect(parsed).toBe(false);
    }
    await expect(
      receiveCalcomDelivery(net.deps, practiceId, { body: Buffer.from('{}'), signature: 'no-secret-provided', json: () => ({}) }),
    ).rejects.toBeInstanceOf(SignatureError);
    expect(checksIn(net)).toEqual([]);
    expect(net.deps.sent).toEqual(net.deps.sent.filter((n) => n.type !== 'screening.booking_matched'));
  });

  it('answers not found for an unknown practice, a malformed id, or a practice without an integration', async () => {
    const { net } = await setUp();
    const unconfigured = await createPractice(net.deps, { keyId: 'key_admin', role: 'admin' }, { name: 'Elm', region: 'CT' });
    for (const practiceId of [newId('prc'), 'not-an-id', unconfigured.practiceId]) {
      await expect(deliver(net, practiceId, calcomDelivery())).rejects.toBeInstanceOf(NotFoundError);
    }
  });

  it('refuses a signed payload of another shape with a 400 naming the field, screening nothing', async () => {
    const { net, practiceId } = await setUp();
    const body = calcomDelivery();
    await expect(deliver(net, practiceId, { ...body, payload: { ...(body.payload as object), attendees: 'John' } })).rejects.toMatchObject({
      kind: 'invalid_input',
      errors: [{ path: 'payload.attendees', message: expect.any(String) }],
    });
    expect(checksIn(net)).toEqual([]);
  });
});
