import { describe, expect, it } from 'vitest';
import { cancelBooking, listBookings, registerBooking, registrationExpiry } from '#shared/domain/bookings.ts';
import { rescreenAlert, subscribeRescreen } from '#shared/domain/rescreen.ts';
import { sendMatchDigests, setMatchDigest } from '#shared/domain/match-digest.ts';
import { checkBooking } from '#shared/domain/checks.ts';
import { NotFoundError, TooManyRequestsError, ValidationError } from '#shared/errors.ts';
import { canaryNormalised, canarySubject, checkRequest, publishedAlert, testNetwork } from '../fakes/fixtures.ts';
import { testSettings } from '../fakes/deps.ts';

/** Re-screening and the reporter's digest, on in-memory stores with the clock at 2026-11-21T19:04:05Z. */
const booking = (ref: string, subject: Record<string, string>, appointmentOn = '2026-11-28') => ({ ref, appointmentOn, subject });

describe('registering an upcoming booking', () => {
  it('screens it at once like a check (counted, audited) and keeps only its tokens until the day after the appointment', async () => {
    const net = await testNetwork();
    const { created, result } = await registerBooking(net.deps, net.practiceB, booking('bk-1', canarySubject));
    expect(created).toBe(true);
    expect(result).toMatchObject({ ref: 'bk-1', appointmentOn: '2026-11-28', keptUntil: '2026-11-30T00:00:00Z', result: 'no_match' });
    const entries = net.deps.memory.audit.entries;
    expect(entries.map((entry) => entry.action)).toEqual(expect.arrayContaining(['check.performed', 'booking.registered']));
    expect(entries.find((entry) => entry.action === 'check.performed')?.detail).toMatchObject({ registration: true, bookings: 1 });
    const stored = JSON.stringify(net.deps.memory.bookings.dump());
    for (const needle of [...canaryNormalised, 'Quixley', '1979-03-14', '555-0199']) expect(stored).not.toContain(needle);
  });

  it.each([
    ['2026-11-19', 'is in the past'],
    ['2027-11-23', 'is more than a year ahead'],
  ])('refuses %s with a 400 naming appointmentOn, and screens nothing', async (appointmentOn, message) => {
    const net = await testNetwork();
    const refused = registerBooking(net.deps, net.practiceB, booking('bk-1', canarySubject, appointmentOn));
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toMatchObject({ errors: [{ path: 'appointmentOn', message: expect.stringContaining(message) }] });
    expect(net.deps.memory.audit.entries).toEqual([expect.objectContaining({ action: 'clause.published' })]);
  });

  it('accepts yesterday in UTC (still today behind UTC) and a year ahead', async () => {
    const net = await testNetwork();
    await expect(registerBooking(net.deps, net.practiceB, booking('bk-1', canarySubject, '2026-11-20'))).resolves.toMatchObject({ created: true });
    await expect(registerBooking(net.deps, net.practiceB, booking('bk-2', canarySubject, '2027-11-22'))).resolves.toMatchObject({ created: true });
  });

  it('is idempotent per ref: registering it again replaces it', async () => {
    const net = await testNetwork();
    await registerBooking(net.deps, net.practiceB, booking('bk-1', { phone: '+1 203 555 0100' }));
    const again = await registerBooking(net.deps, net.practiceB, booking('bk-1', canarySubject, '2026-11-29'));
    expect(again.created).toBe(false);
    expect((await listBookings(net.deps, net.practiceB)).items.map(({ ref, appointmentOn }) => ({ ref, appointmentOn }))).toEqual([
      { ref: 'bk-1', appointmentOn: '2026-11-29' },
    ]);
  });

  it('counts against the quota: over it, nothing is registered', async () => {
    const net = await testNetwork();
    const deps = { ...net.deps, settings: { ...testSettings, screening: { perMinute: 1, perDay: 10 } } };
    await registerBooking(deps, net.practiceB, booking('bk-1', canarySubject));
    await expect(registerBooking(deps, net.practiceB, booking('bk-2', canarySubject))).rejects.toBeInstanceOf(TooManyRequestsError);
    expect((await listBookings(deps, net.practiceB)).items.map(({ ref }) => ref)).toEqual(['bk-1']);
  });

  it("another practice's registration is not found, and cancelling removes it from the index", async () => {
    const net = await testNetwork();
    await registerBooking(net.deps, net.practiceB, booking('bk-1', canarySubject));
    await expect(cancelBooking(net.deps, net.practiceA, 'bk-1')).rejects.toBeInstanceOf(NotFoundError);
    await cancelBooking(net.deps, net.practiceB, 'bk-1');
    await expect(cancelBooking(net.deps, net.practiceB, 'bk-1')).rejects.toBeInstanceOf(NotFoundError);
    await publishedAlert(net);
    expect(net.deps.sent.filter((n) => n.type === 'booking.rescreen_matched')).toEqual([]);
  });

  it('expires at midnight UTC after the day after the appointment', () => {
    expect(registrationExpiry('2026-12-31')).toBe('2027-01-02T00:00:00Z');
  });
});

describe('re-screening when an alert publishes', () => {
  it("tells each practice with an affected booking its ref and a check's answer, never the alert or its reporter", async () => {
    const net = await testNetwork();
    await registerBooking(net.deps, net.practiceB, booking('bk-phone', { phone: '860 555 0199' }));
    await registerBooking(net.deps, net.practiceB, booking('bk-nick', { fullName: 'Zeb Quixley-Marchetti', dateOfBirth: '1979-03-14' }));
    await registerBooking(net.deps, net.practiceB, booking('bk-other', { fullName: 'Zebulon Quixley-Marchetti', dateOfBirth: '1990-01-01' }));
    const alertId = await publishedAlert(net);
    const report = await rescreenAlert(net.deps, alertId);
    expect(report).toMatchObject({ alertId, matched: 2, practices: 1 });
    const notices = net.deps.sent.filter((n) => n.type === 'booking.rescreen_matched');
    expect(notices.map((n) => ('ref' in n ? [n.ref, 'confidence' in n && n.confidence] : []))).toEqual(
      expect.arrayContaining([
        ['bk-phone', 'strong'],
        ['bk-nick', 'possible'],
      ]),
    );
    // The same name with a different date of birth is another person: a check would not match it either.
    expect(notices.some((n) => 'ref' in n && n.ref === 'bk-other')).toBe(false);
    expect(JSON.stringify(notices)).not.toContain(alertId);
    expect(JSON.stringify(notices)).not.toContain(net.practiceA.practiceId);
    const audited = net.deps.memory.audit.entries.filter((entry) => entry.action === 'booking.rescreened');
    expect(audited).toHaveLength(1);
    expect(audited[0]!.bookings).toHaveLength(2);
  });

  it('runs after the notice that publishes, when subscribed (as the rescreen function is to the practices topic)', async () => {
    const net = await testNetwork();
    const deps = subscribeRescreen(net.deps);
    await registerBooking(deps, net.practiceB, booking('bk-1', { email: 'zeb.quixley@example.org' }));
    await publishedAlert({ ...net, deps: deps as typeof net.deps });
    for (let i = 0; i < 100 && !net.deps.sent.some((n) => n.type === 'booking.rescreen_matched'); i += 1) await new Promise((done) => setTimeout(done, 5));
    expect(net.deps.sent.find((n) => n.type === 'booking.rescreen_matched')).toMatchObject({
      practiceId: net.practiceB.practiceId,
      ref: 'bk-1',
      confidence: 'strong',
    });
  });

  it('finds nothing for an alert that is not published, and ignores expired registrations', async () => {
    const net = await testNetwork();
    await registerBooking(net.deps, net.practiceB, booking('bk-1', canarySubject, '2026-11-22'));
    const alertId = await publishedAlert(net);
    net.deps.clock.advanceDays(3);
    expect(await rescreenAlert(net.deps, alertId)).toMatchObject({ candidates: 0, matched: 0 });
    expect(await rescreenAlert(net.deps, 'alt_00000000000000000000000000')).toMatchObject({ matched: 0 });
  });
});

describe("the reporter's digest", () => {
  it('counts matches of an opted-in alert only, and tells a day only from the threshold up, once', async () => {
    const net = await testNetwork();
    const alertId = await publishedAlert(net);
    const quiet = await publishedAlert(net, {
      subject: { fullName: 'Quentin Quietly', dateOfBirth: '1988-01-01', phone: '+1 203 555 0111', email: 'quiet@example.org' },
    });
    await setMatchDigest(net.deps, net.practiceA, alertId, true);
    await setMatchDigest(net.deps, net.practiceA, quiet, true);
    await expect(setMatchDigest(net.deps, net.practiceB, alertId, true)).rejects.toBeInstanceOf(NotFoundError);
    for (let i = 0; i < 3; i += 1) await checkBooking(net.deps, net.practiceB, checkRequest({ phone: '860 555 0199' }));
    for (let i = 0; i < 2; i += 1) await checkBooking(net.deps, net.practiceB, checkRequest({ email: 'quiet@example.org' }));
    await new Promise((done) => setTimeout(done, 10));
    expect(await sendMatchDigests(net.deps)).toEqual({ sent: 0, withheld: 0 }); // the day is not over
    net.deps.clock.advanceDays(1);
    expect(await sendMatchDigests(net.deps)).toEqual({ sent: 1, withheld: 1 });
    expect(await sendMatchDigests(net.deps)).toEqual({ sent: 0, withheld: 0 });
    expect(net.deps.sent.filter((n) => n.type === 'alert.match_digest')).toEqual([
      { topic: 'practices', type: 'alert.match_digest', practiceId: net.practiceA.practiceId, alertId, day: '2026-11-21', matches: 3 },
    ]);
  });
});
