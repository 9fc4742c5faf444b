import { describe, expect, it } from 'vitest';
import { submitAlert } from '#shared/domain/alerts.ts';
import { disputeAlert, reinstateAlert, retractAlert } from '#shared/domain/lifecycle.ts';
import { decideReview } from '#shared/domain/reviews.ts';
import { runSweep } from '#shared/domain/sweep.ts';
import { maxHistory, maxReviews } from '#shared/alerts/bounds.ts';
import { ConflictError, RecordTooLargeError } from '#shared/errors.ts';
import { problemResponse } from '#functions/http/problem.ts';
import { translated } from '#shared/adapters/dynamo/errors.ts';
import type { AlertStore } from '#shared/ports.ts';
import { newPracticeId, principal, publishedAlert, submission, testNetwork } from '../fakes/fixtures.ts';

/**
 * Nothing a member does can grow an alert without bound: its history keeps the first entry and
 * the latest ones, its reviews are capped, and the sweep expires every other alert and seals
 * the audit log even when one alert cannot be written.
 */
describe('an alert cannot grow without bound', () => {
  it('a hundred dispute/reinstate rounds keep the history at its cap, with the submission first and the count of the dropped', async () => {
    const net = await testNetwork();
    const alertId = await publishedAlert(net);
    const entriesBefore = net.deps.memory.audit.entries.length;
    for (let i = 0; i < 100; i += 1) {
      await disputeAlert(net.deps, net.admin, alertId, `Dispute ${i}`);
      await reinstateAlert(net.deps, net.admin, alertId, `Reinstated ${i}`);
    }
    const alert = (await net.deps.alerts.get(alertId))!;
    expect(alert.history).toHaveLength(maxHistory);
    expect(alert.history[0]!.action).toBe('submitted');
    expect(alert.history.at(-1)!.action).toBe('reinstated');
    // submitted, approved ×2, published, then 200 moves: all but maxHistory are counted as trimmed.
    expect(alert.historyTrimmed).toBe(4 + 200 - maxHistory);
    // The audit log keeps every move.
    expect(net.deps.memory.audit.entries.length - entriesBefore).toBe(200);
    // And the alert can still be retracted.
    await expect(retractAlert(net.deps, net.practiceA, alertId, 'Withdrawn.')).resolves.toMatchObject({ status: 'retracted' });
  });

  it(`takes at most ${maxReviews} review decisions (409 after, nothing written)`, async () => {
    const net = await testNetwork();
    const { alertId } = await submitAlert(net.deps, net.practiceA, submission(net.clause));
    const onePractice = newPracticeId();
    for (let i = 0; i < maxReviews; i += 1) await decideReview(net.deps, principal('reviewer', onePractice), alertId, { decision: 'approve', reason: 'ok' });
    const entries = net.deps.memory.audit.entries.length;
    await expect(decideReview(net.deps, principal('reviewer', onePractice), alertId, { decision: 'approve', reason: 'ok' })).rejects.toThrow(ConflictError);
    expect(net.deps.memory.audit.entries.length).toBe(entries);
    expect((await net.deps.alerts.get(alertId))!.reviews).toHaveLength(maxReviews);
  });
});

describe('the sweep isolates a failing alert and always seals', () => {
  it('expires the other due alerts, logs the failing one by id, and seals the chain head', async () => {
    let failing = '';
    const net = await testNetwork();
    const store = net.deps.alerts;
    const flaky: AlertStore = {
      ...store,
      get: (id) => store.get(id),
      create: (...args) => store.create(...args),
      getIdempotency: (...args) => store.getIdempotency(...args),
      pendingReview: (...args) => store.pendingReview(...args),
      publishedExpiringBy: (...args) => store.publishedExpiringBy(...args),
      tokensRemovableBy: (...args) => store.tokensRemovableBy(...args),
      update: async (alert, ...rest) => {
        if (alert.alertId === failing) throw Object.assign(new Error('Item size has exceeded the maximum allowed size'), { name: 'ValidationException' });
        return store.update(alert, ...rest);
      },
    };
    const sweepNet = { ...net, deps: { ...net.deps, alerts: flaky } };
    const first = await publishedAlert(sweepNet);
    failing = await publishedAlert(sweepNet);
    const third = await publishedAlert(sweepNet);
    net.deps.clock.advanceDays(731);

    const report = await runSweep(sweepNet.deps);
    expect(report).toMatchObject({ expired: 2, failures: 1 });
    // The checkpoint covers the chain's head, and went to write-once storage.
    const checkpoint = net.deps.memory.sealedCheckpoints.at(-1)!;
    expect(checkpoint.number).toBe(report.checkpoint);
    expect(checkpoint.heads.at(-1)!.seq).toBe(net.deps.memory.audit.entries.at(-1)!.seq);
    for (const id of [first, third]) expect((await store.get(id))!.status).toBe('expired');
    expect((await store.get(failing))!.status).toBe('published');
    expect(net.deps.logLines).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'alert could not be expired', extra: [{ alertId: failing, errorName: 'ValidationException' }] }),
    );
  });

  it('makes its checkpoint even when a whole step fails (the expiry query itself)', async () => {
    const net = await testNetwork();
    await publishedAlert(net);
    const broken = {
      ...net.deps,
      alerts: {
        ...net.deps.alerts,
        publishedExpiringBy: () => ({
          [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('query failed')) }),
        }),
      },
    };
    const report = await runSweep(broken);
    expect(report.failures).toBe(1);
    expect(net.deps.memory.sealedCheckpoints.at(-1)!.heads.at(-1)!.seq).toBe(net.deps.memory.audit.entries.at(-1)!.seq);
    expect(net.deps.logLines).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'sweep step failed', extra: [{ step: 'expiry', errorName: 'Error' }] }),
    );
  });
});

describe('a storage size error', () => {
  it('is a 409 problem document the caller can act on, never a 500', () => {
    const logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
    const answer = problemResponse(new RecordTooLargeError(), 'req-size', logger);
    expect(answer.statusCode).toBe(409);
    expect(answer.headers?.['Content-Type']).toContain('application/problem+json');
    expect(JSON.parse(answer.body!)).toMatchObject({ type: 'https://peerguard.dev/problems/record-too-large', status: 409 });
  });

  it('is recognised from DynamoDB, alone or inside a cancelled transaction', () => {
    const single = Object.assign(new Error('Item size has exceeded the maximum allowed size'), { name: 'ValidationException' });
    const cancelled = Object.assign(new Error('Transaction cancelled'), {
      name: 'TransactionCanceledException',
      CancellationReasons: [{ Code: 'ValidationError', Message: 'Item size to update has exceeded the maximum allowed size' }, { Code: 'None' }],
    });
    expect(translated(single)).toBeInstanceOf(RecordTooLargeError);
    expect(translated(cancelled)).toBeInstanceOf(RecordTooLargeError);
    const otherValidation = Object.assign(new Error('One or more parameter values were invalid'), { name: 'ValidationException' });
    expect(translated(otherValidation)).toBe(otherValidation);
  });
});
