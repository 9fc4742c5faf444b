import type { Deps } from '../deps.ts';
import { expireDueAlerts } from './lifecycle.ts';
import { redeliverNotifications } from './notify.ts';
import { sealHead } from '../audit/seal.ts';

export interface SweepReport {
  readonly expired: number;
  readonly redelivered: number;
  readonly redeliveryFailures: number;
  /** The sequence number of the chain head sealed, if the chain has any entry. */
  readonly sealedSeq: number | undefined;
}

/**
 * The scheduled housekeeping (every 15 minutes in AWS, every EXPIRY_SWEEP_MINUTES locally):
 * expire published alerts past their expiry, redeliver notifications kept in the outbox, and seal
 * the audit chain's head into write-once storage.
 * Checks never depend on it: they ignore expired entries by themselves.
 */
export async function runSweep(deps: Deps): Promise<SweepReport> {
  const { expired } = await expireDueAlerts(deps);
  const { sent, failed } = await redeliverNotifications(deps);
  const seal = await sealHead(deps);
  const report = { expired, redelivered: sent, redeliveryFailures: failed, sealedSeq: seal?.seq };
  deps.logger.info('sweep finished', { ...report });
  return report;
}
