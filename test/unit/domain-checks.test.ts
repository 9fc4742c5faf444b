import { describe, expect, it } from 'vitest';
import { submitAlert } from '#shared/domain/alerts.ts';
import { retractAlert } from '#shared/domain/lifecycle.ts';
import { checkBatch, checkBooking, guidance } from '#shared/domain/checks.ts';
import type { Keyring } from '#shared/ports.ts';
import { tokensInBooking } from '#shared/audit/check-tokens.ts';
import { lookupTokens } from '#shared/identifiers/tokens.ts';
import { testSettings } from '../fakes/deps.ts';
import { canaryNormalised, canarySubject, checkRequest, newPracticeId, principal, publishedAlert, submission, testNetwork } from '../fakes/fixtures.ts';

describe('checkBooking', () => {
  it.each([
    [{ phone: '860.555.0199' }, ['phone']],
    [{ email: ' ZEB.QUIXLEY@example.ORG' }, ['email']],
    [
      { fullName: 'zebulon quixley marchetti', dateOfBirth: '1979-03-14' },
      ['name_dob', 'pair_dob', 'nickname_dob', 'phonetic_dob', 'edit_dob', 'dob_variant', 'name'],
    ],
    [
      { ...canarySubject, phone: '+1 860 555 0199' },
      ['phone', 'email', 'name_dob', 'pair_dob', 'nickname_dob', 'phonetic_dob', 'edit_dob', 'dob_variant', 'name'],
    ],
  ])('is a strong match on %j', async (subject, matchedOn) => {
    const net = await testNetwork();
    await publishedAlert(net);
    expect(await checkBooking(net.deps, net.practiceB, checkRequest(subject))).toEqual({
      checkId: expect.stringMatching(/^chk_/),
      result: 'match',
      confidence: 'strong',
      matchedOn,
      alerts: [{ category: 'sexual_misconduct', severity: 'high', publishedOn: '2026-11-21', confidence: 'strong', matchedOn }],
      reportingPractices: 1,
      guidance: guidance.strong,
    });
  });

  it('is only a possible match on the name alone', async () => {
    const net = await testNetwork();
    await publishedAlert(net);
    expect(await checkBooking(net.deps, net.practiceB, checkRequest({ fullName: 'Zebulon Quixley-Marchetti' }))).toMatchObject({
      result: 'match',
      confidence: 'possible',
      matchedOn: ['name'],
      alerts: [{ confidence: 'possible', matchedOn: ['name'] }],
      guidance: guidance.possible,
    });
  });

  it('is no match for the same name with a date of birth far from the alert’s: another person', async () => {
    const net = await testNetwork();
    await publishedAlert(net);
    expect(await checkBooking(net.deps, net.practiceB, checkRequest({ fullName: 'Zebulon Quixley Marchetti', dateOfBirth: '1980-01-01' }))).toMatchObject({
      result: 'no_match',
    });
  });

  it.each([
    ['a nickname and a spaced particle', { fullName: 'Bob O Connor', dateOfBirth: '1985-04-07' }, 'nickname_dob'],
    ['one letter wrong', { fullName: 'Robert O’Conor', dateOfBirth: '1985-04-07' }, 'edit_dob'],
    ['surname first, with a comma', { fullName: "O'Connor, Robert", dateOfBirth: '1985-04-07' }, 'name_dob'],
    ['a middle initial', { fullName: "Robert J. O'Connor", dateOfBirth: '1985-04-07' }, 'pair_dob'],
    ['one digit of the date of birth wrong', { fullName: "Robert O'Connor", dateOfBirth: '1985-04-01' }, 'dob_variant'],
    ['day and month swapped', { fullName: "Robert O'Connor", dateOfBirth: '1985-07-04' }, 'dob_variant'],
    ['a Cyrillic look-alike letter and an invisible character', { fullName: "R\u200bоbert O'Connor", dateOfBirth: '1985-04-07' }, 'name_dob'],
  ])('recognises %s', async (_what, subject, kind) => {
    const net = await testNetwork();
    await publishedAlert(net, { subject: { fullName: "Robert O'Connor", dateOfBirth: '1985-04-07' } });
    const result = await checkBooking(net.deps, net.practiceB, checkRequest(subject));
    expect(result).toMatchObject({ result: 'match', confidence: kind === 'name_dob' ? 'strong' : 'possible' });
    expect(result.result === 'match' && result.matchedOn).toContain(kind);
  });

  it('lists only the matched person’s alerts: another person’s alert sharing only the name is left out', async () => {
    const net = await testNetwork();
    await publishedAlert(net); // Zebulon Quixley-Marchetti, born 1979-03-14, high
    await publishedAlert(net, {
      subject: { fullName: canarySubject.fullName, dateOfBirth: '1991-07-30', phone: '(860) 555-0123' },
      incident: { severity: 'low', category: 'boundary_violation' },
    });
    const result = await checkBooking(net.deps, net.practiceB, checkRequest({ fullName: canarySubject.fullName, dateOfBirth: '1979-03-14' }));
    expect(result).toMatchObject({ result: 'match', confidence: 'strong', alerts: [{ severity: 'high', confidence: 'strong' }] });
    expect(result.result === 'match' && result.alerts).toHaveLength(1);
  });

  it('finds no match for someone else, or for an alert still under review', async () => {
    const net = await testNetwork();
    await publishedAlert(net);
    expect(await checkBooking(net.deps, net.practiceB, checkRequest({ phone: '(860) 555-0142', fullName: 'Ann Lee' }))).toEqual({
      checkId: expect.any(String),
      result: 'no_match',
    });

    await submitAlert(net.deps, net.practiceA, submission(net.clause, { subject: { phone: '(860) 555-0177' } }));
    expect(await checkBooking(net.deps, net.practiceB, checkRequest({ phone: '(860) 555-0177' }))).toMatchObject({ result: 'no_match' });
  });

  it('stops matching when the alert expires, 730 days after publication', async () => {
    const net = await testNetwork();
    await publishedAlert(net);
    const check = () => checkBooking(net.deps, net.practiceB, checkRequest({ phone: '860.555.0199' }));
    net.deps.clock.advanceDays(730);
    net.deps.clock.advanceMs(-1_000);
    expect(await check()).toMatchObject({ result: 'match' });
    net.deps.clock.advanceMs(1_000);
    expect(await check()).toMatchObject({ result: 'no_match' });
  });

  it('stops matching when the alert is retracted', async () => {
    const net = await testNetwork();
    const alertId = await publishedAlert(net);
    await retractAlert(net.deps, net.practiceA, alertId, 'Entered against the wrong client.');
    expect(await checkBooking(net.deps, net.practiceB, checkRequest(canarySubject))).toMatchObject({ result: 'no_match' });
  });

  it('matches the checking practice’s own alerts too', async () => {
    const net = await testNetwork();
    await publishedAlert(net);
    expect(await checkBooking(net.deps, net.practiceA, checkRequest({ email: canarySubject.email }))).toMatchObject({ result: 'match' });
  });

  it('counts distinct reporting practices and lists the most severe alerts first', async () => {
    const net = await testNetwork();
    const practiceD = principal('practice', newPracticeId()); // a fourth practice, reviewed by B and C
    await publishedAlert(net, { incident: { severity: 'low', category: 'boundary_violation' } });
    await publishedAlert(net, { incident: { severity: 'high' } });
    net.deps.clock.advanceDays(2);
    await publishedAlert(net, { incident: { severity: 'medium', category: 'harassment' }, subject: { email: 'other@example.org' } }, practiceD);

    const result = await checkBooking(net.deps, net.practiceB, checkRequest({ phone: canarySubject.phone }));
    expect(result).toMatchObject({
      result: 'match',
      reportingPractices: 2,
      alerts: [
        { category: 'sexual_misconduct', severity: 'high', publishedOn: '2026-11-21', confidence: 'strong' },
        { category: 'harassment', severity: 'medium', publishedOn: '2026-11-23', confidence: 'strong' },
        { category: 'boundary_violation', severity: 'low', publishedOn: '2026-11-21', confidence: 'strong' },
      ],
    });
  });

  it('counts every name-based guess towards the guess budget: a name with a date of birth that misses, and a possible match', async () => {
    const net = await testNetwork();
    await publishedAlert(net);
    const deps = { ...net.deps, settings: { ...net.deps.settings, guessBudget: { perDay: 2, slowed: { perMinute: 100, perDay: 100 } } } };
    await checkBooking(deps, net.practiceB, checkRequest({ fullName: 'Ann Lee', dateOfBirth: '1990-01-02' })); // a miss with a date of birth
    await checkBooking(deps, net.practiceB, checkRequest({ fullName: 'Zebulon Quixley-Marchetti', dateOfBirth: '1979-03-19' })); // possible: a date one digit off
    expect(net.deps.sent.filter((n) => n.type === 'screening.possible_enumeration')).toHaveLength(0);
    await checkBooking(deps, net.practiceB, checkRequest({ fullName: 'Bo Lee', dateOfBirth: '1991-05-06' }));
    expect(net.deps.sent.filter((n) => n.type === 'screening.possible_enumeration')).toEqual([expect.objectContaining({ budget: 2, day: '2026-11-21' })]);
    await checkBooking(deps, net.practiceB, checkRequest({ phone: '(860) 555-0142' })); // counted too, but the day's notice was given
    expect(net.deps.sent.filter((n) => n.type === 'screening.possible_enumeration')).toHaveLength(1);
  });

  it("audits per-check token digests, never the tokens: two practices' checks of one client share nothing, and only the token finds them", async () => {
    const net = await testNetwork();
    await checkBooking(net.deps, net.practiceA, checkRequest(canarySubject));
    await checkBooking(net.deps, net.practiceB, checkRequest(canarySubject));
    const [first, second] = net.deps.memory.audit.entries.filter((entry) => entry.action === 'check.performed').map((entry) => entry.bookings![0]!);
    const tokens = (await lookupTokens(net.deps.keyring, canarySubject, net.deps.settings.phoneRegion)).map(({ token }) => token);
    for (const booking of [first!, second!]) {
      expect(booking.tokens).toBeUndefined();
      for (const token of tokens) expect(JSON.stringify(booking)).not.toContain(token);
      expect(tokensInBooking(booking, tokens).length).toBe(booking.tokenKinds.length);
    }
    expect(first!.tokenDigests.filter((digest) => second!.tokenDigests.includes(digest))).toEqual([]);
  });

  it('never echoes identifiers, tokens, practice ids or alert ids', async () => {
    const net = await testNetwork();
    const alertId = await publishedAlert(net);
    const stored = (await net.deps.alerts.get(alertId))!;
    const result = JSON.stringify(await checkBooking(net.deps, net.practiceB, checkRequest(canarySubject)));
    expect(result).toContain('"match"');
    const secrets = [
      ...Object.values(canarySubject),
      ...canaryNormalised,
      net.practiceA.practiceId!,
      net.practiceB.practiceId!,
      alertId,
      ...stored.tokens.map((t) => t.token),
    ];
    for (const secret of secrets) expect(result).not.toContain(secret);
  });
});

/** A keyring that records every message it MACs (a paid KMS GenerateMac each in AWS). */
function countingKeyring(keyring: Keyring): Keyring & { macs: string[] } {
  const macs: string[] = [];
  return { ...keyring, macs, mac: (message: string) => (macs.push(message), keyring.mac(message)) };
}

describe('refuse before paying', () => {
  it('a check over the quota is refused before any token is computed', async () => {
    const net = await testNetwork();
    const keyring = countingKeyring(net.deps.keyring);
    const deps = { ...net.deps, keyring, settings: { ...testSettings, screening: { perMinute: 2, perDay: 100 } } };
    for (const phone of ['(860) 555-0101', '(860) 555-0102'])
      await checkBooking(deps, net.practiceB, checkRequest({ phone, fullName: 'Ann Lee', dateOfBirth: '1970-01-01' }));
    const paid = keyring.macs.length; // every recipe's token of the two bookings
    expect(paid).toBeGreaterThanOrEqual(2 * 3);
    await expect(checkBooking(deps, net.practiceB, checkRequest({ phone: '(860) 555-0103' }))).rejects.toMatchObject({
      kind: 'rate_limited',
      retryAfterSeconds: expect.any(Number),
    });
    const batch = Array.from({ length: 50 }, (_, i) => ({ ref: `r${i}`, ...checkRequest({ phone: `(860) 555-${String(200 + i).padStart(4, '0')}` }) }));
    await expect(checkBatch(deps, net.practiceB, batch)).rejects.toMatchObject({ kind: 'rate_limited' });
    expect(keyring.macs).toHaveLength(paid);
  });

  it('a check that fails after its reservation gives the quota back and leaves no audit entry', async () => {
    const net = await testNetwork();
    const failing: Keyring = { ...net.deps.keyring, mac: async () => Promise.reject(new Error('KMS is down')) };
    const deps = { ...net.deps, keyring: failing, settings: { ...testSettings, screening: { perMinute: 1, perDay: 100 } } };
    const entries = net.deps.memory.audit.entries.length;
    await expect(checkBooking(deps, net.practiceB, checkRequest({ phone: '(860) 555-0101' }))).rejects.toThrow('KMS is down');
    expect(net.deps.memory.audit.entries).toHaveLength(entries);
    // The minute's one booking is still there to use.
    expect(await checkBooking({ ...deps, keyring: net.deps.keyring }, net.practiceB, checkRequest({ phone: '(860) 555-0101' }))).toMatchObject({
      result: 'no_match',
    });
  });
  it('a check the settlement refuses (other processes used the quota up while it was computed) is a 429: unanswered, unaudited, reported once', async () => {
    const net = await testNetwork();
    const refused = { ok: false, window: 'minute', retryAfterSeconds: 42, slowed: false } as const;
    // A racing ledger: the reservation was to be counted at settlement, and the settlement found no room.
    const deps = { ...net.deps, ledger: { ...net.deps.ledger, settle: async () => ({ refused }) } };
    const entries = net.deps.memory.audit.entries.length;
    for (let i = 0; i < 2; i += 1)
      await expect(checkBooking(deps, net.practiceB, checkRequest({ phone: '(860) 555-0101' }))).rejects.toMatchObject({
        kind: 'rate_limited',
        retryAfterSeconds: 42,
        message: expect.stringContaining('per minute'),
      });
    expect(net.deps.memory.audit.entries).toHaveLength(entries);
    expect(net.deps.sent.filter((n) => n.type === 'screening.quota_exceeded')).toEqual([expect.objectContaining({ window: 'minute' })]);
  });
});

describe('the guess budget', () => {
  const budget = 6;
  const setting = { perDay: budget, slowed: { perMinute: 2, perDay: 20 } };

  it('counts every booking without a strong match, whatever it carried, and tells security once when it is spent', async () => {
    const net = await testNetwork();
    await publishedAlert(net);
    const deps = { ...net.deps, settings: { ...testSettings, guessBudget: setting } };
    const check = (subject: Parameters<typeof checkRequest>[0]) => checkBooking(deps, net.practiceB, checkRequest(subject));
    // Strong matches are not guesses.
    for (let i = 0; i < 10; i += 1) expect(await check({ phone: canarySubject.phone })).toMatchObject({ confidence: 'strong' });
    // A guessed name with a random phone, a random e-mail, a name-only probe that answers possible, then a sweep of dates of birth against it.
    expect(await check({ fullName: 'Guessed Person', phone: '(860) 555-0142' })).toMatchObject({ result: 'no_match' });
    expect(await check({ fullName: 'Guessed Person', email: 'random@example.net' })).toMatchObject({ result: 'no_match' });
    expect(await check({ fullName: canarySubject.fullName })).toMatchObject({ confidence: 'possible' });
    for (const dateOfBirth of ['1979-03-11', '1979-03-12', '1979-03-13'])
      expect(await check({ fullName: canarySubject.fullName, dateOfBirth })).toMatchObject({ confidence: 'possible' });
    expect(net.deps.sent.filter((n) => n.type === 'screening.possible_enumeration')).toEqual([]);
    // The seventh guess spends the budget of six.
    expect(await check({ fullName: canarySubject.fullName, dateOfBirth: '1979-03-15' })).toMatchObject({ confidence: 'possible' });
    const notices = net.deps.sent.filter((n) => n.type === 'screening.possible_enumeration');
    expect(notices).toEqual([
      {
        topic: 'security',
        type: 'screening.possible_enumeration',
        practiceId: net.practiceB.practiceId,
        budget,
        day: '2026-11-21',
        slowedUntil: expect.stringMatching(/^2026-11-22T/),
        at: expect.any(String),
      },
    ]);
    expect(JSON.stringify(notices)).not.toMatch(/quixley|guessed|1979/i);
  });

  it('a practice that spent its budget screens on the reduced quota for a day, then on its own again', async () => {
    const net = await testNetwork();
    const deps = { ...net.deps, settings: { ...testSettings, guessBudget: setting } };
    const miss = (i: number) => checkBooking(deps, net.practiceB, checkRequest({ phone: `(860) 555-${String(300 + i).padStart(4, '0')}` }));
    for (let i = 0; i <= budget; i += 1) await miss(i);
    expect(net.deps.sent.filter((n) => n.type === 'screening.possible_enumeration')).toHaveLength(1);
    // The day's count (7) is under the reduced day quota (20), but only 2 a minute: this minute's 7 are over it.
    await expect(miss(100)).rejects.toMatchObject({ kind: 'rate_limited', message: expect.stringMatching(/reduced to 2 bookings per minute/) });
    net.deps.clock.advanceMs(60_000);
    await miss(101);
    await miss(102);
    await expect(miss(103)).rejects.toMatchObject({ kind: 'rate_limited' });
    // Another practice is not slowed.
    expect(await checkBooking(deps, net.practiceA, checkRequest({ phone: '(860) 555-0999' }))).toMatchObject({ result: 'no_match' });
    net.deps.clock.advanceDays(1);
    for (let i = 0; i < 5; i += 1) await miss(200 + i);
  });
});
