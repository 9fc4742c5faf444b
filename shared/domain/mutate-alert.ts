import type { Deps } from '../deps.ts';
import { ConflictError } from '../errors.ts';
import { visibleAlert } from './alert-views.ts';
import { StaleAlertError, type AlertRecord, type IndexChange, type Principal } from '../ports.ts';

const maxAttempts = 5;

/**
 * Read–decide–write with optimistic concurrency: `decide` computes the next state from the
 * state it read; the write succeeds only if nobody wrote in between, otherwise we read again
 * and decide again (so two racing approvals both land, and exactly one publishes).
 */
export async function mutateAlert(
  deps: Pick<Deps, 'alerts'>,
  alertId: string,
  actor: Principal,
  decide: (alert: AlertRecord) => Promise<{ next: AlertRecord; change: IndexChange }>,
): Promise<AlertRecord> {
  for (let attempt = 1; ; attempt += 1) {
    const current = await visibleAlert(deps, actor, alertId);
    const { next, change } = await decide(current);
    try {
      await deps.alerts.update({ ...next, version: current.version + 1 }, current.version, change);
      return { ...next, version: current.version + 1 };
    } catch (error) {
      if (!(error instanceof StaleAlertError)) throw error;
      if (attempt >= maxAttempts) throw new ConflictError('This alert is being changed by others right now; try again.');
    }
  }
}
