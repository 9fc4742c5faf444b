import { describe, expect, it } from 'vitest';
import { submitAlert } from '#shared/domain/alerts.ts';
import { retractAlert } from '#shared/domain/lifecycle.ts';
import { checkBooking, guidance } from '#shared/domain/checks.ts';
import { canaryNormalised, canarySubject, checkRequest, newPracticeId, principal, publishedAlert, submission, testNetwork } from '../fakes/fixtures.ts';

describe('checkBooking', () => {
  it.each([
    [{ phone: '860.555.0199' }, ['phone']],
    [{ email: ' ZEB.QUIXLEY@example.ORG' }, ['email']],
    [{ fullName: 'zebulon quixley marchetti', dateOfBirth: '1979-03-14' }, ['name_dob', 'pair_dob', 'nickname_dob', 'phonetic_dob', 'edit_dob', 'dob_variant', 'name']],
    [{ ...canarySubject, phone: '+1 860 555 0199' }, ['phone', 'email', 'name_dob', 'pair_dob', 'nickname_dob', 'phonetic_dob', 'edit_dob', 'dob_variant', 'name']],
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
    expect(await checkBooking(net.deps, net.practiceB, checkRequest({ fullName: 'Zebulon Quixley Marchetti', dateOfBirth: '1980-01-01' }))).toMatchObject({ result: 'no_match' });
  });

  it.each([
    ['a nickname and a spaced particle', { fullName: 'Bob O Connor', dateOfBirth: '1985-04-07' }, 'nickname_dob'],
    ['one letter wrong', { fullName: 'Robert O’Conor', dateOfBirth: '1985-04-07' }, 'edit_dob'],
    ['surname first, with a comma', { fullName: "O'Connor, Robert", dateOfBirth: '1985-04-07' }, 'name_dob'],
    ['a middle initial', { fullName: "Robert J. O'Connor", dateOfBirth: '1985-04-07' }, 'pair_dob'],
    ['one digit of the date of birth wrong', { fullName: "Robert O'Connor", dateOfBirth: '1985-04-01' }, 'dob_variant'],
    ['day and month swapped', { fullName: "Robert O'Connor", dateOfBirth: '1985-07-04' }, 'dob_variant'],
    ['a Cyrillic look-alike letter and an invisible character', { fullName: 'R\u200bоbert O\'Connor', dateOfBirth: '1985-04-07' }, 'name_dob'],
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
    await publishedAlert(net, { subject: { fullName: canarySubject.fullName, dateOfBirth: '1991-07-30', phone: '(860) 555-0123' }, incident: { severity: 'low', category: 'boundary_violation' } });
    const result = await checkBooking(net.deps, net.practiceB, checkRequest({ fullName: canarySubject.fullName, dateOfBirth: '1979-03-14' }));
    expect(result).toMatchObject({ result: 'match', confidence: 'strong', alerts: [{ severity: 'high', confidence: 'strong' }] });
    expect(result.result === 'match' && result.alerts).toHaveLength(1);
  });

  it('finds no match for someone else, or for an alert still under review', async () => {
    const net = await testNetwork();
    await publishedAlert(net);
    expect(await checkBooking(net.deps, net.practiceB, checkRequest({ phone: '(860) 555-0142', fullName: 'Ann Lee' }))).toEqual({ checkId: expect.any(String), result: 'no_match' });

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

  it('counts every name-based guess towards the enumeration signal: a name with a date of birth that misses, and a possible match', async () => {
    const net = await testNetwork();
    await publishedAlert(net);
    const deps = { ...net.deps, settings: { ...net.deps.settings, nameOnlyMissesPerHour: 3 } };
    await checkBooking(deps, net.practiceB, checkRequest({ fullName: 'Ann Lee', dateOfBirth: '1990-01-02' })); // a miss with a date of birth
    await checkBooking(deps, net.practiceB, checkRequest({ fullName: 'Zebulon Quixley-Marchetti', dateOfBirth: '1979-03-19' })); // possible: a date one digit off
    expect(net.deps.sent.filter((n) => n.type === 'screening.possible_enumeration')).toHaveLength(0);
    await checkBooking(deps, net.practiceB, checkRequest({ fullName: 'Bo Lee', dateOfBirth: '1991-05-06' }));
    expect(net.deps.sent.filter((n) => n.type === 'screening.possible_enumeration')).toEqual([expect.objectContaining({ nameOnlyNoMatch: 3 })]);
    await checkBooking(deps, net.practiceB, checkRequest({ phone: '(860) 555-0142' })); // a phone guess is bounded by the quota, not counted here
    expect(net.deps.sent.filter((n) => n.type === 'screening.possible_enumeration')).toHaveLength(1);
  });

  it('never echoes identifiers, tokens, practice ids or alert ids', async () => {
    const net = await testNetwork();
    const alertId = await publishedAlert(net);
    const stored = (await net.deps.alerts.get(alertId))!;
    const result = JSON.stringify(await checkBooking(net.deps, net.practiceB, checkRequest(canarySubject)));
    expect(result).toContain('"match"');
    const secrets = [...Object.values(canarySubject), ...canaryNormalised, net.practiceA.practiceId!, net.practiceB.practiceId!, alertId, ...stored.tokens.map((t) => t.token)];
    for (const secret of secrets) expect(result).not.toContain(secret);
  });
});
