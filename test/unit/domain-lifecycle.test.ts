import { describe, expect, it } from 'vitest';
import { submitAlert } from '#shared/domain/alerts.ts';
import { disputeAlert, expireDueAlerts, reconfirmAlert, reinstateAlert, retractAlert } from '#shared/domain/lifecycle.ts';
import { decideReview } from '#shared/domain/reviews.ts';
import { checkBooking } from '#shared/domain/checks.ts';
import { ConflictError } from '#shared/errors.ts';
import type { AlertStatus } from '#shared/records.ts';
import { checkRequest, publishedAlert, submission, testNetwork } from '../fakes/fixtures.ts';

type Net = Awaited<ReturnType<typeof testNetwork>>;

/** An alert brought to each status the diagram has, through the domain functions themselves. */
async function alertIn(net: Net, status: AlertStatus): Promise<string> {
  if (status === 'pending_review') return (await submitAlert(net.deps, net.practiceA, submission(net.clause))).alertId;
  if (status === 'rejected') {
    const { alertId } = await submitAlert(net.deps, net.practiceA, submission(net.clause));
    await decideReview(net.deps, net.reviewerB, alertId, { decision: 'reject', reason: 'No.' });
    return alertId;
  }
  const alertId = await publishedAlert(net);
  if (status === 'suspended') await disputeAlert(net.deps, net.admin, alertId, 'Disputed.');
  if (status === 'retracted') await retractAlert(net.deps, net.practiceA, alertId, 'Withdrawn.');
  if (status === 'expired') net.deps.clock.advanceDays(731);
  return alertId;
}

const moves = {
  dispute: (net: Net, id: string) => disputeAlert(net.deps, net.admin, id, 'why'),
  reinstate: (net: Net, id: string) => reinstateAlert(net.deps, net.admin, id, 'why'),
  retract: (net: Net, id: string) => retractAlert(net.deps, net.admin, id, 'why'),
  // Inside the re-confirmation window (the last 60 days before expiry).
  reconfirm: (net: Net, id: string) => {
    net.deps.clock.advanceDays(700);
    return reconfirmAlert(net.deps, net.reviewerB, id, 'why');
  },
};

/** The status diagram of api-v1.md, as the moves that reach each target. */
const allowed: Record<AlertStatus, (keyof typeof moves)[]> = {
  pending_review: [],
  published: ['dispute', 'retract', 'reconfirm'],
  suspended: ['reinstate', 'retract'],
  rejected: [],
  retracted: [],
  expired: [],
};

describe('the status diagram', () => {
  for (const [status, permitted] of Object.entries(allowed) as [AlertStatus, (keyof typeof moves)[]][]) {
    for (const name of Object.keys(moves) as (keyof typeof moves)[]) {
      const legal = permitted.includes(name);
      it(`${name} from ${status} is ${legal ? 'allowed' : 'a 409 that changes nothing'}`, async () => {
        const net = await testNetwork();
        const alertId = await alertIn(net, status);
        const before = await net.deps.alerts.get(alertId);
        const entries = net.deps.memory.audit.entries.length;
        if (legal) {
          await expect(moves[name](net, alertId)).resolves.toMatchObject({ alertId });
          expect(net.deps.memory.audit.entries.length).toBe(entries + 1);
        } else {
          await expect(moves[name](net, alertId)).rejects.toThrow(ConflictError);
          expect(await net.deps.alerts.get(alertId)).toEqual(before);
          expect(net.deps.memory.audit.entries.length).toBe(entries);
        }
      });
    }
  }
});

describe('history, audit and notifications of each move', () => {
  it('records who, when and why, audits the reason as a hash of its ciphertext only, and tells the submitting practice', async () => {
    const net = await testNetwork();
    const alertId = await publishedAlert(net);
    net.deps.sent.length = 0;
    const view = await disputeAlert(net.deps, net.admin, alertId, 'Client’s counsel disputes the account.');
    expect((view.history as unknown[]).at(-1)).toEqual({
      at: '2026-11-21T19:04:05Z',
      action: 'disputed',
      status: 'suspended',
      actorKeyId: net.admin.keyId,
      actorRole: 'admin',
      reason: 'Client’s counsel disputes the account.',
    });
    const entry = net.deps.memory.audit.entries.at(-1)!;
    expect(entry).toMatchObject({ action: 'alert.disputed', outcome: 'suspended', actor: { keyId: net.admin.keyId, role: 'admin' }, targets: { alertId } });
    expect(entry.detail).toEqual({ reasonCiphertextSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(net.deps.sent).toEqual([
      {
        topic: 'practices',
        type: 'alert.disputed',
        practiceId: net.practiceA.practiceId,
        alertId,
        category: 'sexual_misconduct',
        severity: 'high',
        at: '2026-11-21T19:04:05Z',
      },
    ]);
  });

  it('a rejection tells the practice; a pending approval tells nobody', async () => {
    const net = await testNetwork();
    const { alertId } = await submitAlert(net.deps, net.practiceA, submission(net.clause));
    net.deps.sent.length = 0;
    await decideReview(net.deps, net.reviewerB, alertId, { decision: 'approve', reason: 'ok' });
    expect(net.deps.sent).toEqual([]);
    await decideReview(net.deps, net.reviewerC, alertId, { decision: 'reject', reason: 'consent proof unclear' });
    expect(net.deps.sent.map((n) => n.type)).toEqual(['alert.rejected']);
  });

  it('the expiry sweep expires only what is due, and a re-confirmed alert is not due', async () => {
    const net = await testNetwork();
    const due = await publishedAlert(net);
    const renewed = await publishedAlert(net);
    net.deps.clock.advanceDays(700);
    await reconfirmAlert(net.deps, net.reviewerB, renewed, 'still relevant');
    await reconfirmAlert(net.deps, net.reviewerC, renewed, 'agreed');
    net.deps.clock.advanceDays(31);
    expect(await expireDueAlerts(net.deps)).toEqual({ expired: 1, failed: 0 });
    expect((await net.deps.alerts.get(due))!.status).toBe('expired');
    expect((await net.deps.alerts.get(renewed))!.status).toBe('published');
    expect((await checkBooking(net.deps, net.practiceB, checkRequest({ phone: '(860) 555-0199' }))).result).toBe('match');
  });
});
