import { describe, expect, it } from 'vitest';
import { sha256Hex } from '#shared/canonical.ts';
import { getAlert, submitAlert } from '#shared/domain/alerts.ts';
import { disputeAlert, reinstateAlert } from '#shared/domain/lifecycle.ts';
import { decideReview, reviewQueue } from '#shared/domain/reviews.ts';
import type { AlertRecord } from '#shared/records.ts';
import { submission, testNetwork, type TestNetwork } from '../fakes/fixtures.ts';

/**
 * actionsTaken and every reason are typed by people, who sometimes type a client's name. They
 * are stored envelope-encrypted like the summary, audited only as a digest of the ciphertext,
 * and decrypted only for the views that show them.
 */
const name = 'Quillon Farthingale';
const actionsTaken = `Ended the session; ${name} was told not to rebook.`;
const reasons = { review: `Consent checks out for ${name}.`, dispute: `${name}'s lawyer wrote in.`, reinstate: `Upheld against ${name}.` };

async function alertWithFreeText(net: TestNetwork): Promise<string> {
  const { alertId } = await submitAlert(net.deps, net.practiceA, submission(net.clause, { incident: { actionsTaken } }));
  await decideReview(net.deps, net.reviewerB, alertId, { decision: 'approve', reason: reasons.review });
  await decideReview(net.deps, net.reviewerC, alertId, { decision: 'approve', reason: 'Agreed.' });
  await disputeAlert(net.deps, net.admin, alertId, reasons.dispute);
  await reinstateAlert(net.deps, net.admin, alertId, reasons.reinstate);
  return alertId;
}

describe('free text at rest', () => {
  it('is nowhere in storage or the audit log in plain text, nor as a plain digest', async () => {
    const net = await testNetwork();
    await alertWithFreeText(net);
    const stored = JSON.stringify([net.deps.memory.alerts.dump(), net.deps.memory.tokenIndex.dump()]);
    const audit = JSON.stringify(net.deps.memory.audit.entries);
    for (const text of [stored, audit, JSON.stringify(net.deps.sent), JSON.stringify(net.deps.logLines)]) {
      expect(text).not.toContain('Farthingale');
      for (const reason of [...Object.values(reasons), actionsTaken]) expect(text).not.toContain(sha256Hex(Buffer.from(reason, 'utf8')));
    }
    const alert = net.deps.memory.alerts.dump().alerts[0]!;
    expect(alert.incident.actionsTakenCiphertext).toBeDefined();
    expect(alert.incident.actionsTaken).toBeUndefined();
    expect(alert.reviews.every((review) => review.reasonCiphertext !== undefined && review.reason === undefined)).toBe(true);
    expect(alert.history.every((entry) => entry.reason === undefined)).toBe(true);
  });
});

describe('who reads free text', () => {
  it('the submitting practice reads every reason; not the incident text', async () => {
    const net = await testNetwork();
    const view = await getAlert(net.deps, net.practiceA, await alertWithFreeText(net));
    expect((view.reviews as { reason: string }[]).map((review) => review.reason)).toEqual([reasons.review, 'Agreed.']);
    expect((view.history as { reason?: string }[]).map((entry) => entry.reason).filter(Boolean)).toEqual([
      reasons.review,
      'Agreed.',
      reasons.dispute,
      reasons.reinstate,
    ]);
    expect(JSON.stringify(view)).not.toContain('not to rebook');
  });

  it('a reviewer of another practice reads the incident (summary, actionsTaken) and review reasons, not the dispute history', async () => {
    const net = await testNetwork();
    const alertId = await alertWithFreeText(net);
    const view = await getAlert(net.deps, net.reviewerB, alertId);
    expect((view.incident as { actionsTaken: string }).actionsTaken).toBe(actionsTaken);
    expect((view.reviews as { reason: string }[]).map((review) => review.reason)).toEqual([reasons.review, 'Agreed.']);
    // The history repeats a review decision's reason next to its anonymous label, and nothing else.
    expect((view.history as { reason?: string }[]).map((entry) => entry.reason).filter(Boolean)).toEqual([reasons.review, 'Agreed.']);
    for (const reason of [reasons.dispute, reasons.reinstate]) expect(JSON.stringify(view)).not.toContain(reason);
    expect(JSON.stringify(view)).not.toContain('Ciphertext');
  });

  it('the review queue shows actionsTaken decrypted', async () => {
    const net = await testNetwork();
    await submitAlert(net.deps, net.practiceA, submission(net.clause, { incident: { actionsTaken } }));
    const { items } = await reviewQueue(net.deps, net.reviewerB);
    expect((items[0]!.incident as { actionsTaken: string }).actionsTaken).toBe(actionsTaken);
  });

  it('an admin reads every reason, but not the incident text', async () => {
    const net = await testNetwork();
    const view = await getAlert(net.deps, net.admin, await alertWithFreeText(net));
    expect(JSON.stringify(view.history)).toContain(reasons.dispute);
    expect(view.incident).not.toHaveProperty('actionsTaken');
    expect(JSON.stringify(view)).not.toContain('not to rebook');
  });
});

describe('an alert stored before free text was encrypted', () => {
  it('is read as before, and its plain text is encrypted at its next write', async () => {
    const net = await testNetwork();
    const { alertId } = await submitAlert(net.deps, net.practiceA, submission(net.clause));
    const stored = (await net.deps.alerts.get(alertId))!;
    const { actionsTakenCiphertext: _sealed, ...incident } = stored.incident;
    const old: AlertRecord = {
      ...stored,
      incident: { ...incident, actionsTaken },
      history: stored.history.map((entry) => ({ ...entry, reason: reasons.dispute })),
      version: stored.version + 1,
    };
    await net.deps.memory.alerts.update(old, stored.version, undefined, { events: [], now: net.deps.clock() });
    expect(JSON.stringify(net.deps.memory.alerts.dump())).toContain('Farthingale');
    const view = await getAlert(net.deps, net.reviewerB, alertId);
    expect((view.incident as { actionsTaken: string }).actionsTaken).toBe(actionsTaken);

    await decideReview(net.deps, net.reviewerB, alertId, { decision: 'approve', reason: 'ok' });
    expect(JSON.stringify(net.deps.memory.alerts.dump())).not.toContain('Farthingale');
    const after = await getAlert(net.deps, net.practiceA, alertId);
    expect((after.history as { reason?: string }[])[0]!.reason).toBe(reasons.dispute);
  });
});
