import type { Deps } from '../deps.ts';
import { ConflictError, errorName } from '../errors.ts';
import { visibleAlert } from './alert-views.ts';
import { notifySafely } from './notify.ts';
import { sealPlainText } from './free-text.ts';
import { StaleAlertError, type IndexChange } from '../ports.ts';
import type { AlertRecord, AuditEvent, Notification, Principal } from '../records.ts';

const maxAttempts = 5;

/** A decided change of an alert: its next state, the token-index change, what to audit and whom to tell. */
export interface AlertMove {
  readonly next: AlertRecord;
  readonly change: IndexChange;
  readonly events: readonly AuditEvent[];
  readonly notifications?: readonly Notification[];
  /** A review decision: listed under the reviewer's key with the write. */
  readonly decision?: { readonly reviewerKeyId: string; readonly decidedAt: string };
}

/**
 * Read–decide–write with optimistic concurrency: `decide` computes the next state from the
 * state it read; the write (with its audit entries, in one transaction) succeeds only if nobody
 * wrote in between, otherwise we read again and decide again (so two racing approvals both
 * land, and exactly one publishes). `decide` may return undefined to leave the alert as it is.
 * Notifications go out after the write, and never fail the request. Whatever is written is in
 * this version's stored form (no plain-text free text, no unkeyed receipt digest).
 */
export async function mutateAlert(
  deps: Pick<Deps, 'alerts' | 'tokenIndex' | 'clock' | 'notifier' | 'outbox' | 'logger' | 'cipher' | 'metrics'>,
  alertId: string,
  actor: Principal,
  decide: (alert: AlertRecord, now: Date) => Promise<AlertMove | undefined>,
): Promise<AlertRecord> {
  for (let attempt = 1; ; attempt += 1) {
    const current = await visibleAlert(deps, actor, alertId);
    const now = deps.clock();
    const move = await decide(current, now);
    if (!move) return current;
    // An alert stored before free text was encrypted is written with its plain text encrypted.
    const next = { ...(await sealPlainText(deps, move.next)), version: current.version + 1 };
    try {
      await deps.alerts.update(next, current.version, move.change, { events: move.events, now }, { previousStatus: current.status, decision: move.decision });
    } catch (error) {
      if (!(error instanceof StaleAlertError)) throw error;
      if (attempt >= maxAttempts) throw new ConflictError('This alert is being changed by others right now; try again.');
      continue;
    }
    if (move.change && 'unpublish' in move.change) await pruneIndex(deps, next);
    for (const notification of move.notifications ?? []) await notifySafely(deps, notification);
    return next;
  }
}

/**
 * Deletes the token-index items an unpublished alert left empty. Best effort: the alert no
 * longer matches either way, and the retention sweep prunes a retracted alert's tokens again.
 */
async function pruneIndex(deps: Pick<Deps, 'tokenIndex' | 'logger'>, alert: AlertRecord): Promise<void> {
  try {
    await deps.tokenIndex.prune(alert.tokens.map(({ token }) => token));
  } catch (error) {
    deps.logger.warn('emptied token index items not pruned', { alertId: alert.alertId, errorName: errorName(error) });
  }
}
