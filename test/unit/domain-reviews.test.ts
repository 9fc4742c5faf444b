import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '#shared/canonical.ts';
import { submitAlert } from '#shared/domain/alerts.ts';
import { mutateAlert } from '#shared/domain/mutate-alert.ts';
import { decideReview, queueLimit, reviewQueue } from '#shared/domain/reviews.ts';
import { publicationStatement } from '#shared/domain/publication.ts';
import { verifyStatement } from '#shared/domain/signing.ts';
import { ConflictError, ForbiddenError, NotFoundError } from '#shared/errors.ts';
import { StaleAlertError, type AlertStore } from '#shared/ports.ts';
import { canarySummary, submission, testNetwork, type TestNetwork } from '../fakes/fixtures.ts';

const approve = { decision: 'approve', reason: 'Consent and account hold up.' } as const;
const reject = { decision: 'reject', reason: 'Consent form does not match the clause.' } as const;

async function pendingAlert(net: TestNetwork): Promise<string> {
  return (await submitAlert(net.deps, net.practiceA, submission(net.clause))).alertId;
}

describe('decideReview', () => {
  it('forbids reviewers of the submitting practice', async () => {
    const net = await testNetwork();
    const alertId = await pendingAlert(net);
    await expect(decideReview(net.deps, net.reviewerA, alertId, approve)).rejects.toThrow(ForbiddenError);
  });

  it('takes one decision per reviewer', async () => {
    const net = await testNetwork();
    const alertId = await pendingAlert(net);
    await decideReview(net.deps, net.reviewerB, alertId, approve);
    await expect(decideReview(net.deps, net.reviewerB, alertId, approve)).rejects.toThrow(ConflictError);
    await expect(decideReview(net.deps, net.reviewerB, alertId, reject)).rejects.toThrow(ConflictError);
  });

  it('answers 404 for an alert that does not exist', async () => {
    const net = await testNetwork();
    await expect(decideReview(net.deps, net.reviewerB, 'alt_00000000000000000000000000', approve)).rejects.toThrow(NotFoundError);
  });

  it('publishes on approvals from two other practices: signed, dated, expiring in 730 days, matching', async () => {
    const net = await testNetwork();
    const { deps } = net;
    const alertId = await pendingAlert(net);
    const afterOne = await decideReview(deps, net.reviewerB, alertId, approve);
    expect(afterOne).toMatchObject({ status: 'pending_review', approvals: 1 });

    deps.clock.set('2026-11-23T08:00:00Z');
    const view = await decideReview(deps, net.reviewerC, alertId, approve);
    expect(view).toMatchObject({ status: 'published', approvals: 2, publishedAt: '2026-11-23T08:00:00Z', expiresAt: '2028-11-22T08:00:00Z' });

    const stored = (await deps.alerts.get(alertId))!;
    expect(stored.history.map((h) => h.action)).toEqual(['submitted', 'approved', 'approved', 'published']);
    const statement = publicationStatement(stored);
    expect(statement).toMatchObject({
      alertId,
      publishedAt: '2026-11-23T08:00:00Z',
      approvals: [{ practiceId: net.reviewerB.practiceId }, { practiceId: net.reviewerC.practiceId }],
    });
    expect(stored.publication!.contentSha256).toBe(sha256Hex(canonicalJson(statement)));
    const publicKeyPem = await deps.signer.publicKeyPem();
    expect(verifyStatement(publicKeyPem, statement, stored.publication!.signature)).toBe(true);
    expect(verifyStatement(publicKeyPem, { ...statement, severity: 'low' }, stored.publication!.signature)).toBe(false);

    const index = await deps.tokenIndex.lookup(stored.tokens.map((t) => t.token));
    expect([...index.values()].map((entries) => entries.map((e) => e.alertId))).toEqual(stored.tokens.map(() => [alertId]));
  });

  it('does not publish on two approvals from reviewers of the same practice', async () => {
    const net = await testNetwork();
    const alertId = await pendingAlert(net);
    await decideReview(net.deps, net.reviewerB, alertId, approve);
    const view = await decideReview(net.deps, net.reviewerB2, alertId, approve);
    expect(view).toMatchObject({ status: 'pending_review', approvals: 1 });
    await expect(decideReview(net.deps, net.reviewerC, alertId, approve)).resolves.toMatchObject({ status: 'published' });
  });

  it('ends the review on one rejection', async () => {
    const net = await testNetwork();
    const alertId = await pendingAlert(net);
    await decideReview(net.deps, net.reviewerB, alertId, approve);
    await expect(decideReview(net.deps, net.reviewerC, alertId, reject)).resolves.toMatchObject({ status: 'rejected' });
    await expect(decideReview(net.deps, net.reviewerB2, alertId, approve)).rejects.toThrow(ConflictError);
    expect((await net.deps.alerts.get(alertId))!.publication).toBeUndefined();
  });
});

describe('racing decisions', () => {
  it('re-reads and decides again when another approval landed first, and publishes exactly once', async () => {
    const net = await testNetwork();
    const alertId = await pendingAlert(net);
    const store = net.deps.memory.alerts;
    let writes = 0;
    // Reviewer C's approval lands between reviewer B's read and B's write.
    const racing: AlertStore = {
      ...store,
      update: async (alert, expectedVersion, change, audit) => {
        writes += 1;
        if (writes === 1) await decideReview(net.deps, net.reviewerC, alertId, approve);
        return store.update(alert, expectedVersion, change, audit);
      },
    };
    const view = await decideReview({ ...net.deps, alerts: racing }, net.reviewerB, alertId, approve);

    expect(writes).toBe(2); // B's stale write, then B's write on top of C's
    expect(view).toMatchObject({ status: 'published', approvals: 2 });
    const stored = (await store.get(alertId))!;
    expect(stored.version).toBe(3);
    expect(stored.reviews.map((r) => r.reviewerKeyId)).toEqual([net.reviewerC.keyId, net.reviewerB.keyId]);
    expect(stored.history.filter((h) => h.action === 'published')).toHaveLength(1);
  });

  it('gives up with a 409 when every write is stale', async () => {
    const net = await testNetwork();
    const alertId = await pendingAlert(net);
    let attempts = 0;
    const alwaysStale: AlertStore = {
      ...net.deps.memory.alerts,
      update: async (alert) => {
        attempts += 1;
        throw new StaleAlertError(alert.alertId);
      },
    };
    const decide = async (alert: Parameters<Parameters<typeof mutateAlert>[3]>[0]) => ({ next: alert, change: undefined, events: [] });
    await expect(mutateAlert({ ...net.deps, alerts: alwaysStale }, alertId, net.admin, decide)).rejects.toThrow(ConflictError);
    expect(attempts).toBe(5);
  });
});

describe('reviewQueue', () => {
  it('shows pending alerts of other practices, oldest first, with the summary decrypted', async () => {
    const net = await testNetwork();
    const first = await pendingAlert(net);
    net.deps.clock.advanceMs(1_000);
    const fromB = (await submitAlert(net.deps, net.practiceB, submission(net.clause, { incident: { summary: 'From B.' } }))).alertId;
    net.deps.clock.advanceMs(1_000);
    const second = await pendingAlert(net);

    const forC = await reviewQueue(net.deps, net.reviewerC);
    expect(forC.items.map((i) => i.alertId)).toEqual([first, fromB, second]);
    expect(forC.items[0]).toMatchObject({ category: 'sexual_misconduct', severity: 'high', incident: { summary: canarySummary }, approvals: 0 });
    expect((await reviewQueue(net.deps, net.reviewerB)).items.map((i) => i.alertId)).toEqual([first, second]);
    expect((await reviewQueue(net.deps, net.reviewerA)).items.map((i) => i.alertId)).toEqual([fromB]);
  });

  it('hides alerts the reviewer decided, and alerts no longer pending', async () => {
    const net = await testNetwork();
    const decided = await pendingAlert(net);
    const untouched = await pendingAlert(net);
    await decideReview(net.deps, net.reviewerB, decided, approve);

    expect((await reviewQueue(net.deps, net.reviewerB)).items.map((i) => i.alertId)).toEqual([untouched]);
    const forColleague = await reviewQueue(net.deps, net.reviewerB2);
    expect(forColleague.items.find((i) => i.alertId === decided)).toMatchObject({ approvals: 1 });

    await decideReview(net.deps, net.reviewerC, decided, reject);
    expect((await reviewQueue(net.deps, net.reviewerB2)).items.map((i) => i.alertId)).toEqual([untouched]);
  });

  it("reaches past a long run of the reviewer's own practice's alerts, and caps the answer", async () => {
    const net = await testNetwork();
    for (let i = 0; i < 230; i += 1) {
      await submitAlert(net.deps, net.practiceB, submission(net.clause, { subject: { phone: `+1 203 555 ${String(1000 + i)}` } }));
      net.deps.clock.advanceMs(10);
    }
    const fromA = await pendingAlert(net);
    expect((await reviewQueue(net.deps, net.reviewerB)).items.map((i) => i.alertId)).toEqual([fromA]);
    expect((await reviewQueue(net.deps, net.reviewerC)).items).toHaveLength(queueLimit);
  });
});
