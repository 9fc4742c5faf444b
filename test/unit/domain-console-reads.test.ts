import { describe, expect, it } from 'vitest';
import { submitAlert } from '#shared/domain/alerts.ts';
import { decidedAlerts, decodeListCursor, encodeListCursor, listAlerts } from '#shared/domain/alert-lists.ts';
import { createApiKey, revokeApiKey } from '#shared/domain/api-keys.ts';
import { checkBooking } from '#shared/domain/checks.ts';
import { listKeys, listPractices, whoAmI } from '#shared/domain/directory.ts';
import { disputeAlert, expireDueAlerts, retractAlert } from '#shared/domain/lifecycle.ts';
import { networkOverview } from '#shared/domain/overview.ts';
import { createPractice } from '#shared/domain/practices.ts';
import { decideReview } from '#shared/domain/reviews.ts';
import { ConflictError, ForbiddenError, NotFoundError } from '#shared/errors.ts';
import { auditActor } from '#shared/audit/events.ts';
import { checkRequest, principal, publishedAlert, submission, testNetwork, type TestNetwork } from '../fakes/fixtures.ts';

const submit = async (net: TestNetwork, email: string, by = net.practiceA) => {
  const { alertId } = await submitAlert(net.deps, by, submission(net.clause, { subject: { email } }));
  net.deps.clock.advanceMs(1_000);
  return alertId;
};
const ids = (page: { items: Record<string, unknown>[] }) => page.items.map((item) => item.alertId);

describe('listAlerts', () => {
  it("pages a practice's own alerts newest first; the cursor carries on where the page ended", async () => {
    const net = await testNetwork();
    const mine = [await submit(net, 'a@example.org'), await submit(net, 'b@example.org'), await submit(net, 'c@example.org')];
    await submit(net, 'other@example.org', net.practiceB);
    const first = await listAlerts(net.deps, net.practiceA, { limit: 2 });
    expect(ids(first)).toEqual([mine[2], mine[1]]);
    expect(first.nextCursor).toBeDefined();
    const second = await listAlerts(net.deps, net.practiceA, { limit: 2, before: decodeListCursor(first.nextCursor!) });
    expect(ids(second)).toEqual([mine[0]]);
    expect(second.nextCursor).toBeUndefined();
    expect(ids(await listAlerts(net.deps, net.admin, { limit: 10 }))).toHaveLength(4);
  });

  it('filters by the status a reader sees now: a published alert past its expiry is expired', async () => {
    const net = await testNetwork();
    const published = await publishedAlert(net);
    const pending = await submit(net, 'pending@example.org');
    net.deps.clock.advanceDays(731);
    expect(ids(await listAlerts(net.deps, net.practiceA, { status: 'expired', limit: 10 }))).toEqual([published]);
    expect(ids(await listAlerts(net.deps, net.practiceA, { status: 'published', limit: 10 }))).toEqual([]);
    expect(ids(await listAlerts(net.deps, net.admin, { status: 'pending_review', limit: 10 }))).toEqual([pending]);
  });

  it('shows each alert as GET /v1/alerts/{alertId} shows it to that role', async () => {
    const net = await testNetwork();
    await publishedAlert(net);
    const [forPractice] = (await listAlerts(net.deps, net.practiceA, { limit: 1 })).items;
    const [forAdmin] = (await listAlerts(net.deps, net.admin, { limit: 1 })).items;
    expect(forPractice).not.toHaveProperty('practiceId');
    expect((forPractice!.reviews as Record<string, unknown>[])[0]).not.toHaveProperty('reviewerKeyId');
    expect(forAdmin).toMatchObject({ practiceId: net.practiceA.practiceId, receipt: expect.any(Object) });
  });

  it('is refused to reviewers and auditors', async () => {
    const net = await testNetwork();
    await expect(listAlerts(net.deps, net.reviewerB, { limit: 10 })).rejects.toThrow(ForbiddenError);
    await expect(listAlerts(net.deps, net.auditor, { limit: 10 })).rejects.toThrow(ForbiddenError);
  });
});

describe('list cursors', () => {
  it('decode only what encodeListCursor made', () => {
    const alertId = 'alt_01jd4qz7k5v8m2n3p4q5r6s7t8';
    expect(decodeListCursor(encodeListCursor(alertId))).toBe(alertId);
    for (const forged of [
      '',
      'not a cursor',
      Buffer.from('{"before":"prc_01jd4qz7k5v8m2n3p4q5r6s7t8"}').toString('base64url'),
      Buffer.from(`{"before":"${alertId}","x":1}`).toString('base64url'),
      Buffer.from('null').toString('base64url'),
    ]) {
      expect(decodeListCursor(forged), forged).toBeUndefined();
    }
  });
});

describe('decidedAlerts', () => {
  it('lists the alerts a reviewer decided, latest decision first, and nothing they did not decide', async () => {
    const net = await testNetwork();
    const first = await submit(net, 'first@example.org');
    const second = await submit(net, 'second@example.org');
    await decideReview(net.deps, net.reviewerB, first, { decision: 'approve', reason: 'Fine.' });
    net.deps.clock.advanceMs(1_000);
    await decideReview(net.deps, net.reviewerB, second, { decision: 'reject', reason: 'No consent.' });
    await decideReview(net.deps, net.reviewerC, first, { decision: 'approve', reason: 'Fine.' });
    expect((await decidedAlerts(net.deps, net.reviewerB)).items.map((item) => [item.alertId, item.status])).toEqual([
      [second, 'rejected'],
      [first, 'published'],
    ]);
    expect(ids(await decidedAlerts(net.deps, net.reviewerC))).toEqual([first]);
    expect(ids(await decidedAlerts(net.deps, net.reviewerB2))).toEqual([]);
  });
});

describe('whoAmI, listPractices, listKeys', () => {
  it('names the key, its role, practice and label', async () => {
    const net = await testNetwork();
    const practice = await createPractice(net.deps, auditActor(net.admin), { name: 'Harbour Massage', region: 'CT' });
    const created = await createApiKey(net.deps, auditActor(net.admin), { role: 'practice', practiceId: practice.practiceId, label: 'Front desk' });
    expect(await whoAmI(net.deps, { keyId: created.keyId, role: 'practice', practiceId: practice.practiceId })).toEqual({
      keyId: created.keyId,
      role: 'practice',
      practiceId: practice.practiceId,
      practiceName: 'Harbour Massage',
      label: 'Front desk',
    });
  });

  it('lists practices oldest first, and keys without a secret or its hash', async () => {
    const net = await testNetwork();
    const admin = auditActor(net.admin);
    const harbour = await createPractice(net.deps, admin, { name: 'Harbour', region: 'CT' });
    net.deps.clock.advanceMs(1_000);
    const elm = await createPractice(net.deps, admin, { name: 'Elm', region: 'CT' });
    expect((await listPractices(net.deps)).items.map((p) => p.name)).toEqual(['Harbour', 'Elm']);
    const desk = await createApiKey(net.deps, admin, { role: 'practice', practiceId: harbour.practiceId, label: 'Desk' });
    net.deps.clock.advanceMs(1_000); // a later instant, so "oldest first" has one answer
    const counsel = await createApiKey(net.deps, admin, { role: 'auditor', label: 'Counsel' });
    await revokeApiKey(net.deps, admin, counsel.keyId);
    const all = await listKeys(net.deps, {});
    expect(all.items).toEqual([
      { keyId: desk.keyId, role: 'practice', practiceId: harbour.practiceId, label: 'Desk', createdAt: expect.any(String) },
      { keyId: counsel.keyId, role: 'auditor', label: 'Counsel', createdAt: expect.any(String), revokedAt: expect.any(String) },
    ]);
    expect(JSON.stringify(all)).not.toMatch(/secret|[0-9a-f]{64}/i);
    expect((await listKeys(net.deps, { practiceId: elm.practiceId })).items).toEqual([]);
    await expect(listKeys(net.deps, { practiceId: principal('practice', 'prc_00000000000000000000000000').practiceId })).rejects.toThrow(NotFoundError);
  });
});

describe('networkOverview', () => {
  it('counts alerts by status as they move; a refused move changes no count', async () => {
    const net = await testNetwork();
    const published = await publishedAlert(net);
    const pending = await submit(net, 'pending@example.org');
    const retracted = await publishedAlert(net, { subject: { email: 'retracted@example.org' } });
    await retractAlert(net.deps, net.practiceA, retracted, 'Wrong client.');
    await expect(disputeAlert(net.deps, net.admin, pending, 'Not published.')).rejects.toThrow(ConflictError);
    await disputeAlert(net.deps, net.admin, published, 'Client disputes it.');
    expect((await networkOverview(net.deps)).alertsByStatus).toEqual({ pending_review: 1, published: 0, rejected: 0, suspended: 1, retracted: 1, expired: 0 });
    net.deps.clock.advanceDays(800);
    await expireDueAlerts(net.deps);
    await publishedAlert(net);
    expect((await networkOverview(net.deps)).alertsByStatus).toMatchObject({ pending_review: 1, published: 1, suspended: 1 });
  });

  it('counts checks and matches per UTC day for 14 days, today last', async () => {
    const net = await testNetwork();
    await publishedAlert(net, { subject: { email: 'flagged@example.org' } });
    await checkBooking(net.deps, net.practiceB, checkRequest({ email: 'flagged@example.org' }));
    await checkBooking(net.deps, net.practiceB, checkRequest({ email: 'someone@example.org' }));
    const { checksPerDay } = await networkOverview(net.deps);
    expect(checksPerDay).toHaveLength(14);
    expect(checksPerDay.at(-1)).toEqual({ day: '2026-11-21', checks: 2, matches: 1 });
    expect(checksPerDay[0]).toEqual({ day: '2026-11-08', checks: 0, matches: 0 });
  });

  it('lists the security notices as they were sent, newest first, and a notice it cannot keep fails nothing', async () => {
    const net = await testNetwork();
    const limits = { ...net.deps.settings, screening: { perMinute: 1, perDay: 100 } };
    const deps = { ...net.deps, settings: limits };
    await checkBooking(deps, net.practiceB, checkRequest({ email: 'one@example.org' }));
    await expect(checkBooking(deps, net.practiceB, checkRequest({ email: 'two@example.org' }))).rejects.toThrow(/quota/);
    const { notices } = await networkOverview(net.deps);
    expect(notices).toEqual([
      { type: 'screening.quota_exceeded', practiceId: net.practiceB.practiceId, window: 'minute', limit: 1, at: '2026-11-21T19:04:05Z' },
    ]);

    const failing = { ...deps, figures: { ...net.deps.figures, recordNotice: () => Promise.reject(new Error('table gone')) } };
    await checkBooking(failing, net.practiceA, checkRequest({ email: 'three@example.org' }));
    await expect(checkBooking(failing, net.practiceA, checkRequest({ email: 'four@example.org' }))).rejects.toThrow(/quota/);
    expect(net.deps.sent.filter((n) => n.type === 'screening.quota_exceeded').map((n) => (n as { practiceId: string }).practiceId)).toEqual([
      net.practiceB.practiceId,
      net.practiceA.practiceId,
    ]);
    expect(net.deps.logLines.filter((line) => line.message === 'security notice not kept for the overview')).toHaveLength(1);
  });
});
