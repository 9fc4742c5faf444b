import type { Deps } from '../deps.ts';
import { expireDueAlerts } from './lifecycle.ts';
import { redeliverNotifications } from './notify.ts';

export interface SweepReport {
  readonly expired: number;
  readonly redelivered: number;
  readonly redeliveryFailures: number;
}

/**
 * The scheduled housekeeping (every 15 minutes in AWS, every EXPIRY_SWEEP_MINUTES locally):
 * expire published alerts past their expiry, and redeliver notifications kept in the outbox.
 * Checks never depend on it: they ignore expired entries by themselves.
 */
export async function runSweep(deps: Deps): Promise<SweepReport> {
  const { expired } = await expireDueAlerts(deps);
  const { sent, failed } = await redeliverNotifications(deps);
  const report = { expired, redelivered: sent, redeliveryFailures: failed };
  deps.logger.info('sweep finished', { ...report });
  return report;
}
