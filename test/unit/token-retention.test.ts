import { describe, expect, it } from 'vitest';
import { submitAlert } from '#shared/domain/alerts.ts';
import { retractAlert } from '#shared/domain/lifecycle.ts';
import { decideReview } from '#shared/domain/reviews.ts';
import { runSweep } from '#shared/domain/sweep.ts';
import { publishedAlert, submission, testNetwork, type TestNetwork } from '../fakes/fixtures.ts';

/**
 * The tokens of an alert that never matched (rejected) or no longer does (retracted) are kept
 * for the retention grace period (TOKEN_RETENTION_DAYS, 30 here), then the sweep removes them
 * from the alert; token-index items an unpublished alert leaves empty are deleted.
 */
const indexedTokens = (net: TestNetwork) => (net.deps.memory.tokenIndex.dump() as { token: string }[]).map(({ token }) => token);

describe('token retention', () => {
  it('a rejected alert keeps its tokens for the grace period, then the sweep removes them and audits it', async () => {
    const net = await testNetwork();
    const { alertId } = await submitAlert(net.deps, net.practiceA, submission(net.clause));
    await decideReview(net.deps, net.reviewerB, alertId, { decision: 'reject', reason: 'Consent proof unclear.' });
    const held = (await net.deps.alerts.get(alertId))!.tokens.length;
    expect(held).toBeGreaterThan(0);
    net.deps.clock.advanceDays(29);
    expect(await runSweep(net.deps)).toMatchObject({ tokensRemoved: 0 });
    expect((await net.deps.alerts.get(alertId))!.tokens).toHaveLength(held);

    net.deps.clock.advanceDays(2);
    expect(await runSweep(net.deps)).toMatchObject({ tokensRemoved: 1, failures: 0 });
    const alert = (await net.deps.alerts.get(alertId))!;
    expect(alert.tokens).toEqual([]);
    expect(alert.status).toBe('rejected');
    expect(alert.tokensRemovedAt).toBe(net.deps.clock().toISOString().replace('.000Z', 'Z'));
    expect(net.deps.memory.audit.entries.find((entry) => entry.action === 'alert.tokens_removed')).toMatchObject({
      actor: { keyId: 'system:retention', role: 'system' },
      targets: { alertId },
      outcome: 'rejected',
      detail: { tokens: held, retentionDays: 30 },
    });
    // Nothing more to do on the next sweep.
    expect(await runSweep(net.deps)).toMatchObject({ tokensRemoved: 0 });
  });

  it('a retracted alert: its emptied token-index items go at once, its tokens after the grace period', async () => {
    const net = await testNetwork();
    const alertId = await publishedAlert(net);
    const tokens = (await net.deps.alerts.get(alertId))!.tokens.map(({ token }) => token);
    expect(indexedTokens(net)).toEqual(expect.arrayContaining(tokens));
    await retractAlert(net.deps, net.practiceA, alertId, 'Wrong client.');
    expect(indexedTokens(net).filter((token) => tokens.includes(token))).toEqual([]);

    net.deps.clock.advanceDays(31);
    await runSweep(net.deps);
    expect((await net.deps.alerts.get(alertId))!.tokens).toEqual([]);
  });

  it('an index item another published alert still uses is kept', async () => {
    const net = await testNetwork();
    const retracted = await publishedAlert(net);
    await publishedAlert(net); // the same subject: the same tokens
    await retractAlert(net.deps, net.practiceA, retracted, 'Duplicate.');
    const tokens = (await net.deps.alerts.get(retracted))!.tokens.map(({ token }) => token);
    expect(indexedTokens(net)).toEqual(expect.arrayContaining(tokens));
  });
});
