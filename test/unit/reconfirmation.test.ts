import { describe, expect, it } from 'vitest';
import { reconfirmAlert } from '#shared/domain/lifecycle.ts';
import { ConflictError, ForbiddenError } from '#shared/errors.ts';
import { publishedAlert, testNetwork, type TestNetwork } from '../fakes/fixtures.ts';

/**
 * Re-confirmation follows publication's independence rule: reviewers of two practices (neither
 * the submitter) renew an alert, each reviewer and each practice once per period, and only in
 * the window before expiry. One member can no longer re-confirm an alert without limit (which
 * used to grow its item until dispute and retract failed).
 */
const ttl = 730;
const window = 60;

async function inWindow(net: TestNetwork): Promise<string> {
  const alertId = await publishedAlert(net);
  net.deps.clock.advanceDays(ttl - window + 1);
  return alertId;
}

const expiresAt = async (net: TestNetwork, alertId: string) => (await net.deps.alerts.get(alertId))!.expiresAt!;

describe('re-confirming a published alert', () => {
  it('needs reviewers of two practices: the first waits, the second renews for a full period and signs again', async () => {
    const net = await testNetwork();
    const alertId = await inWindow(net);
    const before = (await net.deps.alerts.get(alertId))!;
    const first = await reconfirmAlert(net.deps, net.reviewerB, alertId, 'Still relevant.');
    expect(first.expiresAt).toBe(before.expiresAt);
    expect((await net.deps.alerts.get(alertId))!.reconfirmations).toHaveLength(1);
    expect(net.deps.memory.audit.entries.at(-1)).toMatchObject({ action: 'alert.reconfirmed', detail: { renewed: false, reconfirmations: 1 } });

    net.deps.clock.advanceDays(1);
    const second = await reconfirmAlert(net.deps, net.reviewerC, alertId, 'Agreed.');
    const renewed = (await net.deps.alerts.get(alertId))!;
    expect(second.expiresAt).toBe(new Date(net.deps.clock().getTime() + ttl * 86_400_000).toISOString().replace('.000Z', 'Z'));
    expect(renewed.reconfirmations).toBeUndefined();
    expect(renewed.publication!.signature).not.toBe(before.publication!.signature);
    expect(net.deps.memory.audit.entries.at(-1)).toMatchObject({
      action: 'alert.reconfirmed',
      detail: { renewed: true, reconfirmations: 2, expiresAt: renewed.expiresAt },
    });
  });

  it('lets one reviewer re-confirm once per period (409 after), and one practice once (a second reviewer of it: 409)', async () => {
    const net = await testNetwork();
    const alertId = await inWindow(net);
    const expiry = await expiresAt(net, alertId);
    await reconfirmAlert(net.deps, net.reviewerB, alertId, 'Still relevant.');
    const entries = net.deps.memory.audit.entries.length;
    await expect(reconfirmAlert(net.deps, net.reviewerB, alertId, 'Again.')).rejects.toThrow(/already re-confirmed this alert for this period/);
    await expect(reconfirmAlert(net.deps, net.reviewerB2, alertId, 'Same practice.')).rejects.toThrow(/A reviewer of your practice has already re-confirmed/);
    expect(net.deps.memory.audit.entries.length).toBe(entries);
    expect(await expiresAt(net, alertId)).toBe(expiry);
  });

  it('a reviewer who re-confirmed may do so again in the next period, once it has been renewed', async () => {
    const net = await testNetwork();
    const alertId = await inWindow(net);
    await reconfirmAlert(net.deps, net.reviewerB, alertId, 'Still relevant.');
    await reconfirmAlert(net.deps, net.reviewerC, alertId, 'Agreed.');
    net.deps.clock.advanceDays(ttl - window + 1);
    await expect(reconfirmAlert(net.deps, net.reviewerB, alertId, 'Still relevant, two years on.')).resolves.toMatchObject({ alertId });
  });

  it('is refused (409, nothing written) before the window opens, and names when it opens', async () => {
    const net = await testNetwork();
    const alertId = await publishedAlert(net);
    const entries = net.deps.memory.audit.entries.length;
    const version = (await net.deps.alerts.get(alertId))!.version;
    await expect(reconfirmAlert(net.deps, net.reviewerB, alertId, 'Too early.')).rejects.toThrow(ConflictError);
    await expect(reconfirmAlert(net.deps, net.reviewerB, alertId, 'Too early.')).rejects.toThrow(
      /only in the 60 days before it expires, from 2028-09-2\dT19:04:05Z/,
    );
    expect(net.deps.memory.audit.entries.length).toBe(entries);
    expect((await net.deps.alerts.get(alertId))!.version).toBe(version);
  });

  it('is refused to a reviewer of the submitting practice (403)', async () => {
    const net = await testNetwork();
    const alertId = await inWindow(net);
    await expect(reconfirmAlert(net.deps, net.reviewerA, alertId, 'Our own.')).rejects.toThrow(ForbiddenError);
  });

  it('a hundred attempts by one reviewer leave the alert with one pending re-confirmation and a bounded history', async () => {
    const net = await testNetwork();
    const alertId = await inWindow(net);
    for (let i = 0; i < 100; i += 1) {
      await reconfirmAlert(net.deps, net.reviewerB, alertId, 'x'.repeat(2_000)).catch((error: unknown) => {
        if (!(error instanceof ConflictError)) throw error;
      });
    }
    const alert = (await net.deps.alerts.get(alertId))!;
    expect(alert.reconfirmations).toHaveLength(1);
    expect(alert.history.filter((entry) => entry.action === 'reconfirmed')).toHaveLength(1);
  });
});
