import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSweep } from '#shared/domain/sweep.ts';
import { startLocalNetwork, type LocalNetwork } from '../support/local-network.ts';
import { alertBody } from '../support/story.ts';
import { intactChain } from '../support/audit-chain.ts';
import { settle } from '../support/typed-client.ts';

/**
 * An alert's whole life over HTTP, through the local server and DynamoDB Local: published,
 * disputed (stops matching), reinstated (matches again), re-confirmed, expired by the clock
 * (no sleeping), swept; every illegal move is a 409; the practice hears of each step on its
 * topic; every step is one audit entry in an intact chain.
 */
let local: LocalNetwork;
const subject = { fullName: 'Ottoline Lifecycle-Varga', dateOfBirth: '1975-06-30', phone: '+1 860 555 0142', email: 'o.varga@example.net' };
const summary = 'Client exposed himself during the session; canary-lifecycle-summary-91c2.';
let alertId: string;

const admin = () => local.adminKey;
const keys = () => local.net.keys;
const check = async () => (await local.as(keys().valleyDesk.apiKey).POST('/v1/checks', { body: { subject: { phone: subject.phone } } })).data;
type Move = 'disputes' | 'reinstate' | 'retract' | 'reconfirm';
/** A status move, settled: its status, and the alert (as an admin or reviewer sees it) or the problem. */
const move = async (path: Move, key: string, reason = 'Reason given for the record.') => {
  const answer = await settle(local.as(key).POST(`/v1/alerts/{alertId}/${path}`, { params: { path: { alertId } }, body: { reason } }));
  return { status: answer.status, body: answer.data as Record<string, any>, problem: answer.problem };
};
const view = async () => (await local.as(admin()).GET('/v1/alerts/{alertId}', { params: { path: { alertId } } })).data as Record<string, any>;
const status = async () => (await view()).status;

beforeAll(async () => {
  local = await startLocalNetwork();
  const submitted = await local.as(keys().harbourDesk.apiKey).POST('/v1/alerts', { body: alertBody(local.net.clause, subject, summary) as never });
  expect(submitted.response.status).toBe(201);
  alertId = submitted.data.alertId;
  for (const reviewer of [keys().elmReviewer, keys().valleyReviewer]) {
    const answer = await local
      .as(reviewer.apiKey)
      .POST('/v1/alerts/{alertId}/reviews', { params: { path: { alertId } }, body: { decision: 'approve', reason: 'In order.' } });
    expect(answer.response.status).toBe(200);
  }
});

afterAll(() => local.stop());

describe('due process', () => {
  it('a published alert matches', async () => {
    expect((await check()).result).toBe('match');
  });

  it('only an admin may dispute or reinstate', async () => {
    expect((await move('disputes', keys().harbourDesk.apiKey)).status).toBe(403);
    expect((await move('disputes', keys().elmReviewer.apiKey)).status).toBe(403);
    expect((await move('reinstate', keys().auditor.apiKey)).status).toBe(403);
  });

  it('a dispute suspends the alert and it stops matching at once', async () => {
    const disputed = await move('disputes', admin(), 'The client disputes the record through counsel.');
    expect(disputed.status).toBe(200);
    expect(disputed.body).toMatchObject({ alertId, status: 'suspended' });
    expect(disputed.body.history.at(-1)).toMatchObject({
      action: 'disputed',
      status: 'suspended',
      actorRole: 'admin',
      reason: 'The client disputes the record through counsel.',
    });
    expect((await check()).result).toBe('no_match');
  });

  it('refuses moves the status diagram does not have: 409', async () => {
    expect((await move('disputes', admin())).status).toBe(409);
    const reconfirm = await move('reconfirm', keys().elmReviewer.apiKey);
    expect(reconfirm.status).toBe(409);
    expect(reconfirm.problem?.detail).toMatch(/suspended/);
  });

  it('reinstating publishes it again and it matches again', async () => {
    const reinstated = await move('reinstate', admin(), "Dispute resolved in the practice's favour.");
    expect(reinstated.status).toBe(200);
    expect(reinstated.body.status).toBe('published');
    expect((await check()).result).toBe('match');
    expect((await move('reinstate', admin())).status).toBe(409);
  });

  it('reviewers of two other practices re-confirm it in the window before expiry, renewing it for a full period and signing again', async () => {
    local.clock.advanceDays(400);
    expect((await move('reconfirm', keys().elmReviewer.apiKey)).status).toBe(409); // the window (60 days before expiry) is not open yet
    local.clock.advanceDays(300);
    const before = await view();
    expect((await move('reconfirm', keys().harbourReviewer.apiKey)).status).toBe(403);
    const first = await move('reconfirm', keys().elmReviewer.apiKey, 'Still relevant: a second practice reported the same client.');
    expect(first.status).toBe(200);
    expect(first.body.expiresAt).toBe(before.expiresAt);
    expect((await move('reconfirm', keys().elmReviewer.apiKey)).status).toBe(409); // once per reviewer per period
    const renewed = await move('reconfirm', keys().valleyReviewer.apiKey, 'Agreed.');
    expect(renewed.status).toBe(200);
    expect(renewed.body.status).toBe('published');
    expect(Date.parse(renewed.body.expiresAt) - local.clock().getTime()).toBeGreaterThanOrEqual(730 * 86_400_000 - 1000);
    expect(renewed.body.expiresAt > before.expiresAt).toBe(true);
    expect(renewed.body.publishedAt).toBe(before.publishedAt);
    // The reviewer's view leaves the publication out (its statement names the practices); the admin's shows it signed again.
    expect((await view()).publication.signature).not.toBe(before.publication.signature);
    expect(renewed.body.history.at(-1)).toMatchObject({ action: 'reconfirmed', status: 'published', actorRole: 'reviewer' });
    expect((await check()).result).toBe('match');
  });

  it('expires at expiresAt whatever TTL has done: no match, status expired, and no move out of it', async () => {
    const { expiresAt } = await view();
    local.clock.set(new Date(Date.parse(expiresAt) - 1000));
    expect((await check()).result).toBe('match');
    local.clock.set(new Date(Date.parse(expiresAt) + 1000));
    expect((await check()).result).toBe('no_match');
    expect(await status()).toBe('expired');
    for (const [path, key] of [
      ['disputes', admin()],
      ['reinstate', admin()],
      ['retract', keys().harbourDesk.apiKey],
      ['reconfirm', keys().elmReviewer.apiKey],
    ] as const) {
      expect((await move(path, key)).status, path).toBe(409);
    }
  });

  it('the sweep records the expiry once: stored as expired, audited, the practice told', async () => {
    const first = await runSweep(local.deps);
    expect(first).toMatchObject({ expired: 1, checkpoint: expect.any(Number) });
    // Nothing moved since: the second sweep makes no new checkpoint.
    expect(await runSweep(local.deps)).toMatchObject({ expired: 0, checkpoint: first.checkpoint });
    const swept = await view();
    expect(swept.status).toBe('expired');
    expect(swept.history.at(-1)).toMatchObject({ action: 'expired', status: 'expired', actorRole: 'system' });
  });
});

describe('what the lifecycle leaves behind', () => {
  it('the local notifier wrote exactly the expected messages, with no identifier or incident text', () => {
    // The security topic also heard of the network's set-up (practices and keys created).
    const sent = local.notifications().filter(({ topic }) => topic !== 'security');
    expect(sent.map(({ topic, type, alertId: id, practiceId }) => ({ topic, type, alertId: id, practiceId }))).toEqual([
      { topic: 'reviewers', type: 'alert.awaiting_review', alertId, practiceId: undefined },
      { topic: 'practices', type: 'alert.published', alertId, practiceId: local.net.practices.harbour },
      { topic: 'practices', type: 'alert.disputed', alertId, practiceId: local.net.practices.harbour },
      { topic: 'practices', type: 'alert.reinstated', alertId, practiceId: local.net.practices.harbour },
      { topic: 'practices', type: 'alert.expired', alertId, practiceId: local.net.practices.harbour },
    ]);
    const text = JSON.stringify(sent).toLowerCase();
    for (const secret of [...Object.values(subject), 'varga', '8605550142', 'canary-lifecycle-summary', 'exposed']) {
      expect(text).not.toContain(secret.toLowerCase());
    }
  });

  it('every step is one audit entry, in order, in an intact chain', async () => {
    const entries = await intactChain(local.deps.audit);
    const mine = entries.filter((entry) => entry.targets.alertId === alertId).map((entry) => `${entry.action}:${entry.outcome}`);
    expect(mine).toEqual([
      'alert.submitted:pending_review',
      'alert.approved:pending_review',
      'alert.approved:published',
      'alert.published:published',
      'alert.disputed:suspended',
      'alert.reinstated:published',
      'alert.reconfirmed:published',
      'alert.reconfirmed:published',
      'alert.expired:expired',
    ]);
    const checks = entries.filter((entry) => entry.action === 'check.performed');
    expect(checks.map((entry) => entry.bookings![0]!.result)).toEqual(['match', 'no_match', 'match', 'match', 'match', 'no_match']);
    expect(checks.every((entry) => entry.actor.practiceId === local.net.practices.valley && entry.bookings![0]!.tokenKinds.join() === 'phone')).toBe(true);
    expect(JSON.stringify(entries)).not.toContain('Varga');
    expect(JSON.stringify(entries)).not.toContain('disputes the record');
  });
});
