import type { Deps } from '../deps.ts';
import { errorName } from '../errors.ts';
import { expireDueAlerts } from './lifecycle.ts';
import { redeliverNotifications } from './notify.ts';
import { removeLapsedTokens } from './retention.ts';
import { removeExpiredRegistrations } from './bookings.ts';
import { makeCheckpoint } from '../audit/checkpoint.ts';

export interface SweepReport {
  readonly expired: number;
  /** Rejected or retracted alerts whose tokens were removed after the retention grace period. */
  readonly tokensRemoved: number;
  /** Booking registrations past the day after their appointment, deleted (DynamoDB's TTL usually got there first in AWS). */
  readonly registrationsRemoved: number;
  readonly redelivered: number;
  readonly redeliveryFailures: number;
  /** Alerts the sweep could not expire or clear, and steps that failed as a whole: each logged as an error. */
  readonly failures: number;
  /** The number of the checkpoint the sweep made (or of the latest one, when no chain moved since). */
  readonly checkpoint: number;
}

/**
 * The scheduled housekeeping (every 15 minutes in AWS, every EXPIRY_SWEEP_MINUTES locally):
 * expire published alerts past their expiry, remove the tokens of alerts rejected or retracted
 * longer ago than the retention grace period, delete booking registrations kept past the day
 * after their appointment, redeliver notifications kept in the outbox, and
 * make a signed checkpoint of every audit chain's head and write it to write-once storage.
 * Each step is isolated: an alert that cannot be expired, or a step that fails as a whole, is
 * logged and counted, and the sweep goes on, so the checkpoint is always attempted. Only a
 * failure of the checkpoint itself fails the sweep (a chain whose head went back fails it loudly).
 * Checks never depend on it: they ignore expired entries by themselves.
 */
export async function runSweep(deps: Deps): Promise<SweepReport> {
  let failures = 0;
  const step = async <T>(name: string, run: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      failures += 1;
      deps.logger.error('sweep step failed', { step: name, errorName: errorName(error) });
      return fallback;
    }
  };
  const expiry = await step('expiry', () => expireDueAlerts(deps), { expired: 0, failed: 0 });
  const retention = await step('retention', () => removeLapsedTokens(deps), { removed: 0, failed: 0 });
  const registrationsRemoved = await step('registrations', () => removeExpiredRegistrations(deps), 0);
  const { sent, failed } = await step('redelivery', () => redeliverNotifications(deps), { sent: 0, failed: 0 });
  const checkpoint = await makeCheckpoint(deps, { onlyIfChanged: true });
  await deps.seals.putCheckpoint(checkpoint);
  const report = {
    expired: expiry.expired,
    tokensRemoved: retention.removed,
    registrationsRemoved,
    redelivered: sent,
    redeliveryFailures: failed,
    failures: failures + expiry.failed + retention.failed,
    checkpoint: checkpoint.number,
  };
  deps.logger.info('sweep finished', { ...report });
  return report;
}
