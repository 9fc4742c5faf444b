import { describe, expect, it } from 'vitest';
import { submitAlert } from '#shared/domain/alerts.ts';
import { retractAlert } from '#shared/domain/lifecycle.ts';
import { checkBooking, guidance } from '#shared/domain/checks.ts';
import { canaryNormalised, canarySubject, checkRequest, newPracticeId, principal, publishedAlert, submission, testNetwork } from '../fakes/fixtures.ts';

describe('checkBooking', () => {
  it.each([
    [{ phone: '860.555.0199' }, ['phone']],
    [{ email: ' ZEB.QUIXLEY@example.ORG' }, ['email']],
    [{ fullName: 'zebulon quixley marchetti', dateOfBirth: '1979-03-14' }, ['name_dob', 'name']],
    [{ ...canarySubject, phone: '+1 860 555 0199' }, ['phone', 'email', 'name_dob', 'name']],
  ])('is a strong match on %j', async (subject, matchedOn) => {
    const net = await testNetwork();
    await publishedAlert(net);
    expect(await checkBooking(net.deps, net.practiceB, checkRequest(subject))).toEqual({
      checkId: expect.stringMatching(/^chk_/),
      result: 'match',
      confidence: 'strong',
      matchedOn,
      alerts: [{ category: 'sexual_misconduct', severity: 'high', publishedOn: '2026-11-21' }],
      reportingPractices: 1,
      guidance: guidance.strong,
    });
  });

  it('is only a possible match on the name alone, or the name with another date of birth', async () => {
    const net = await testNetwork();
    await publishedAlert(net);
    for (const subject of [{ fullName: 'Zebulon Quixley-Marchetti' }, { fullName: 'Zebulon Quixley Marchetti', dateOfBirth: '1980-01-01' }]) {
      expect(await checkBooking(net.deps, net.practiceB, checkRequest(subject))).toMatchObject({ result: 'match', confidence: 'possible', matchedOn: ['name'], guidance: guidance.possible });
    }
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
        { category: 'sexual_misconduct', severity: 'high', publishedOn: '2026-11-21' },
        { category: 'harassment', severity: 'medium', publishedOn: '2026-11-23' },
        { category: 'boundary_violation', severity: 'low', publishedOn: '2026-11-21' },
      ],
    });
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
