import { describe, expect, it } from 'vitest';
import { getAlert, submitAlert } from '#shared/domain/alerts.ts';
import { retractAlert } from '#shared/domain/lifecycle.ts';
import { decideReview } from '#shared/domain/reviews.ts';
import { ConflictError, NotFoundError } from '#shared/errors.ts';
import { canaryNormalised, canarySubject, canarySummary, publishedAlert, submission, testNetwork } from '../fakes/fixtures.ts';

describe('getAlert', () => {
  it('hides another practice’s alert, and unknown ids, behind the same 404', async () => {
    const net = await testNetwork();
    const alertId = await publishedAlert(net);
    await expect(getAlert(net.deps, net.practiceB, alertId)).rejects.toThrow(NotFoundError);
    await expect(getAlert(net.deps, net.practiceA, 'alt_00000000000000000000000000')).rejects.toThrow(NotFoundError);
  });

  it('shows the submitting practice status and decisions, without summary, incident, tokens or reviewers', async () => {
    const net = await testNetwork();
    const alertId = await publishedAlert(net);
    const view = await getAlert(net.deps, net.practiceA, alertId);

    expect(Object.keys(view).sort()).toEqual(['alertId', 'category', 'expiresAt', 'history', 'publishedAt', 'reviews', 'severity', 'status', 'submittedAt']);
    expect(view).toMatchObject({ alertId, status: 'published', category: 'sexual_misconduct', severity: 'high' });
    expect(view.reviews).toEqual([
      { decision: 'approve', reason: expect.any(String), decidedAt: expect.any(String) },
      { decision: 'approve', reason: expect.any(String), decidedAt: expect.any(String) },
    ]);
    const text = JSON.stringify(view);
    for (const secret of [...Object.values(canarySubject), ...canaryNormalised, canarySummary, net.reviewerB.keyId, net.reviewerB.practiceId!]) {
      expect(text).not.toContain(secret);
    }
  });

  it('shows reviewers the decrypted summary and admins the incident without it', async () => {
    const net = await testNetwork();
    const { alertId } = await submitAlert(net.deps, net.practiceA, submission(net.clause));
    const forReviewer = await getAlert(net.deps, net.reviewerB, alertId);
    expect(forReviewer).toMatchObject({ incident: { summary: canarySummary, occurredOn: '2026-11-02' } });
    expect(JSON.stringify(forReviewer)).not.toContain(net.practiceA.practiceId!);
    const forAdmin = await getAlert(net.deps, net.admin, alertId);
    expect(forAdmin).toMatchObject({ incident: { category: 'sexual_misconduct' } });
    expect(JSON.stringify(forAdmin)).not.toContain(canarySummary);
  });

  it('lets a reviewer read only pending alerts they may decide and alerts they decided', async () => {
    const net = await testNetwork();
    const pending = (await submitAlert(net.deps, net.practiceA, submission(net.clause))).alertId;
    const alertId = await publishedAlert(net); // decided by reviewers of B and C
    await expect(getAlert(net.deps, net.reviewerB2, pending)).resolves.toMatchObject({ status: 'pending_review' });
    await expect(getAlert(net.deps, net.reviewerA, pending)).rejects.toThrow(NotFoundError); // their own practice's
    await expect(getAlert(net.deps, net.reviewerA, alertId)).rejects.toThrow(NotFoundError);
    await expect(getAlert(net.deps, net.reviewerB2, alertId)).rejects.toThrow(NotFoundError); // published, not theirs
    await expect(getAlert(net.deps, net.reviewerB, alertId)).resolves.toMatchObject({ status: 'published' });
  });

  it('shows a reviewer the other reviewers as labels stable for the alert, never their keys or practices', async () => {
    const net = await testNetwork();
    const alertId = await publishedAlert(net);
    const asB = await getAlert(net.deps, net.reviewerB, alertId);
    const asC = await getAlert(net.deps, net.reviewerC, alertId);
    expect((asB.reviews as { reviewer: string; mine: boolean }[]).map(({ reviewer, mine }) => [reviewer, mine])).toEqual([
      ['Reviewer A', true],
      ['Reviewer B', false],
    ]);
    expect((asC.reviews as { reviewer: string; mine: boolean }[]).map(({ reviewer, mine }) => [reviewer, mine])).toEqual([
      ['Reviewer A', false],
      ['Reviewer B', true],
    ]);
    expect((asC.history as { actor: string }[]).map(({ actor }) => actor)).toEqual(['Submitting practice', 'Reviewer A', 'Reviewer B', 'Reviewer B']);
    for (const view of [asB, asC]) {
      for (const field of ['practiceId', 'receipt', 'publication']) expect(view).not.toHaveProperty(field);
      const text = JSON.stringify(view);
      for (const id of [net.practiceA.practiceId!, net.reviewerB.keyId, net.reviewerB.practiceId!, net.reviewerC.keyId, net.reviewerC.practiceId!])
        expect(text).not.toContain(id);
    }
  });

  it('reads a published alert past its expiry as expired', async () => {
    const net = await testNetwork();
    const alertId = await publishedAlert(net);
    net.deps.clock.advanceDays(730);
    expect(await getAlert(net.deps, net.practiceA, alertId)).toMatchObject({ status: 'expired' });
  });
});

describe('retractAlert', () => {
  it('lets the submitting practice retract a published alert, with the reason in its history', async () => {
    const net = await testNetwork();
    const alertId = await publishedAlert(net);
    const view = await retractAlert(net.deps, net.practiceA, alertId, 'Entered against the wrong client.');
    expect(view).toMatchObject({ status: 'retracted' });
    expect((view.history as { action: string; reason?: string }[]).at(-1)).toMatchObject({
      action: 'retracted',
      reason: 'Entered against the wrong client.',
      actorRole: 'practice',
    });
    const tokens = (await net.deps.alerts.get(alertId))!.tokens.map((t) => t.token);
    expect([...(await net.deps.tokenIndex.lookup(tokens)).values()].flat()).toEqual([]);
  });

  it('lets an admin retract, and hides the alert from other practices', async () => {
    const net = await testNetwork();
    const alertId = await publishedAlert(net);
    await expect(retractAlert(net.deps, net.practiceB, alertId, 'not mine')).rejects.toThrow(NotFoundError);
    await expect(retractAlert(net.deps, net.admin, alertId, 'Court order.')).resolves.toMatchObject({ status: 'retracted' });
  });

  it('refuses moves the contract does not list: pending, rejected, retracted again, expired', async () => {
    const net = await testNetwork();
    const pending = (await submitAlert(net.deps, net.practiceA, submission(net.clause))).alertId;
    await expect(retractAlert(net.deps, net.practiceA, pending, 'changed my mind')).rejects.toThrow(ConflictError);

    await decideReview(net.deps, net.reviewerB, pending, { decision: 'reject', reason: 'No consent.' });
    await expect(retractAlert(net.deps, net.practiceA, pending, 'withdraw')).rejects.toThrow(ConflictError);

    const published = await publishedAlert(net);
    await retractAlert(net.deps, net.practiceA, published, 'withdraw');
    await expect(retractAlert(net.deps, net.practiceA, published, 'again')).rejects.toThrow(ConflictError);

    const lapsed = await publishedAlert(net);
    net.deps.clock.advanceDays(731);
    await expect(retractAlert(net.deps, net.practiceA, lapsed, 'too late')).rejects.toThrow(/expired/);
  });
});
