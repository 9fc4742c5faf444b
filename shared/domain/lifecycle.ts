import type { Deps } from '../deps.ts';
import { addDays, isoInstant } from '../dates.ts';
import { ConflictError, ForbiddenError, errorName } from '../errors.ts';
import { withHistoryEntry } from '../alerts/bounds.ts';
import { encryptReason } from './free-text.ts';
import { assertMove, effectiveStatus } from '../alerts/state-machine.ts';
import { auditActor, reasonDigest, systemActor } from '../audit/events.ts';
import type { IndexChange } from '../ports.ts';
import type { AlertRecord, AlertStatus, AuditActor, AuditAction, HistoryEntry, Notification, Principal } from '../records.ts';
import { alertView } from './alert-views.ts';
import { mutateAlert, type AlertMove } from './mutate-alert.ts';
import { indexEntry, publishedAlert } from './publication.ts';
import { approvalsToPublish } from '../alerts/review-rules.ts';
import { tokensRemovableAt } from './retention.ts';

type Actor = { readonly principal: Principal; readonly audit: AuditActor };

/** What practices hear about their own alert. */
type PracticeNotice = Extract<Notification, { topic: 'practices'; alertId: string; at: string }>['type'];

export function practiceNotice(alert: AlertRecord, type: PracticeNotice, now: Date): Notification {
  return {
    topic: 'practices',
    type,
    practiceId: alert.practiceId,
    alertId: alert.alertId,
    category: alert.incident.category,
    severity: alert.incident.severity,
    at: isoInstant(now),
  };
}

/**
 * One move along the status diagram: checks it is allowed from the status the alert reads as
 * now (409 otherwise), records who, when and why in the alert's history, and names its audit event.
 */
async function statusMove(
  deps: Pick<Deps, 'cipher'>,
  alert: AlertRecord,
  now: Date,
  actor: Actor,
  move: {
    to: AlertStatus;
    action: HistoryEntry['action'];
    reason?: string;
    change: IndexChange;
    next?: AlertRecord;
    notice?: PracticeNotice;
    /**
     * The only status this move starts from, where the diagram's arrows alone do not say
     * (reinstate: only from suspended; re-confirm: published to published).
     */
    from?: AlertStatus;
    /** Extra facts for the audit entry. */
    detail?: Readonly<Record<string, string | number | boolean>>;
  },
): Promise<AlertMove> {
  const current = effectiveStatus(alert, now);
  if (move.from !== undefined) {
    if (current !== move.from)
      throw new ConflictError(`Only a ${move.from.replace('_', ' ')} alert can be ${move.action}; this one is ${current.replace('_', ' ')}.`);
  } else {
    // Expiry is the one move made from the stored status: the alert already reads as expired.
    assertMove(move.to === 'expired' ? alert.status : current, move.to);
  }
  const base = move.next ?? alert;
  const at = isoInstant(now);
  const reasonCiphertext = move.reason === undefined ? undefined : await encryptReason(deps, alert, at, move.reason);
  const next: AlertRecord = {
    ...withHistoryEntry(base, { at, action: move.action, status: move.to, actorKeyId: actor.audit.keyId, actorRole: actor.audit.role, reasonCiphertext }),
    status: move.to,
  };
  const auditAction = `alert.${move.action}` as AuditAction;
  return {
    next,
    change: move.change,
    events: [
      {
        action: auditAction,
        actor: actor.audit,
        targets: { alertId: alert.alertId, practiceId: alert.practiceId },
        outcome: move.to,
        detail:
          reasonCiphertext === undefined && move.detail === undefined
            ? undefined
            : { ...move.detail, ...(reasonCiphertext === undefined ? {} : reasonDigest(reasonCiphertext)) },
      },
    ],
    notifications: move.notice ? [practiceNotice(next, move.notice, now)] : [],
  };
}

const byKey = (principal: Principal): Actor => ({ principal, audit: auditActor(principal) });

async function moveAndShow(deps: Deps, principal: Principal, alertId: string, decide: (alert: AlertRecord, now: Date) => Promise<AlertMove>) {
  return alertView(deps, await mutateAlert(deps, alertId, principal, decide), principal);
}

/** The submitting practice (or an admin) withdraws an alert; it stops matching at once. */
export function retractAlert(deps: Deps, actor: Principal, alertId: string, reason: string): Promise<Record<string, unknown>> {
  return moveAndShow(deps, actor, alertId, async (alert, now) =>
    statusMove(deps, alert, now, byKey(actor), {
      to: 'retracted',
      action: 'retracted',
      reason,
      change: alert.status === 'published' ? { unpublish: true } : undefined,
      next: { ...alert, tokensRemovableAt: tokensRemovableAt(deps, now) },
    }),
  );
}

/** An admin suspends a published alert while a dispute is heard; it stops matching at once. */
export function disputeAlert(deps: Deps, admin: Principal, alertId: string, reason: string): Promise<Record<string, unknown>> {
  return moveAndShow(deps, admin, alertId, async (alert, now) =>
    statusMove(deps, alert, now, byKey(admin), { to: 'suspended', action: 'disputed', reason, change: { unpublish: true }, notice: 'alert.disputed' }),
  );
}

/**
 * An admin reinstates a suspended alert: published again with its original expiry (so an alert
 * whose expiry passed while suspended is reinstated and reads as expired at once).
 */
export function reinstateAlert(deps: Deps, admin: Principal, alertId: string, reason: string): Promise<Record<string, unknown>> {
  return moveAndShow(deps, admin, alertId, async (alert, now) =>
    statusMove(deps, alert, now, byKey(admin), {
      to: 'published',
      from: 'suspended',
      action: 'reinstated',
      reason,
      change: alert.publishedAt ? { publish: indexEntry(alert) } : undefined,
      notice: 'alert.reinstated',
    }),
  );
}

/**
 * A reviewer (of another practice than the submitter) re-confirms a published alert in the
 * window before it expires (`reconfirmWindowDays`). Re-confirmation follows publication's
 * independence rule: the alert is renewed — for a full period from now (never shortened), and
 * signed again, since the publication signature covers the expiry — once reviewers of two
 * different practices (neither the submitter) have re-confirmed it in this period. Each reviewer,
 * and each practice, re-confirms at most once per period; the first one's re-confirmation waits
 * in the alert (`reconfirmations`, at most one entry) for the second.
 */
export function reconfirmAlert(deps: Deps, reviewer: Principal, alertId: string, reason: string): Promise<Record<string, unknown>> {
  return moveAndShow(deps, reviewer, alertId, async (alert, now) => {
    if (!reviewer.practiceId || reviewer.practiceId === alert.practiceId) {
      throw new ForbiddenError('Reviewers may not re-confirm alerts submitted by their own practice.');
    }
    const status = effectiveStatus(alert, now);
    if (status !== 'published') {
      throw new ConflictError(
        status === 'suspended'
          ? 'This alert is suspended: an admin must reinstate it before it can be re-confirmed.'
          : `An alert that is ${status.replace('_', ' ')} cannot be re-confirmed; only published alerts that have not expired can.`,
      );
    }
    const windowDays = deps.settings.reconfirmWindowDays;
    const opens = addDays(new Date(alert.expiresAt!), -windowDays);
    if (now < opens) {
      throw new ConflictError(`This alert can be re-confirmed only in the ${windowDays} days before it expires, from ${isoInstant(opens)}.`);
    }
    const pending = alert.reconfirmations ?? [];
    if (pending.some((entry) => entry.reviewerKeyId === reviewer.keyId)) {
      throw new ConflictError('You have already re-confirmed this alert for this period; a reviewer of another practice must re-confirm it too.');
    }
    if (pending.some((entry) => entry.reviewerPracticeId === reviewer.practiceId)) {
      throw new ConflictError(
        'A reviewer of your practice has already re-confirmed this alert for this period; a reviewer of another practice must re-confirm it too.',
      );
    }
    const confirmations = [...pending, { reviewerKeyId: reviewer.keyId, reviewerPracticeId: reviewer.practiceId, at: isoInstant(now) }];
    if (new Set(confirmations.map((entry) => entry.reviewerPracticeId)).size < approvalsToPublish) {
      return statusMove(deps, alert, now, byKey(reviewer), {
        to: 'published',
        action: 'reconfirmed',
        reason,
        change: undefined,
        next: { ...alert, reconfirmations: confirmations },
        from: 'published',
        detail: { renewed: false, reconfirmations: confirmations.length },
      });
    }
    const renewed = await publishedAlert(deps, { ...alert, reconfirmations: undefined }, now);
    return statusMove(deps, alert, now, byKey(reviewer), {
      to: 'published',
      action: 'reconfirmed',
      reason,
      change: { publish: indexEntry(renewed) },
      next: renewed,
      from: 'published',
      detail: { renewed: true, reconfirmations: confirmations.length, expiresAt: renewed.expiresAt! },
    });
  });
}

/** The scheduled sweep's principal: it may read every alert. */
const sweeper: Actor = { principal: { keyId: 'system:expiry-sweep', role: 'admin' }, audit: systemActor('expiry-sweep') };

/**
 * Moves every published alert past its expiry to `expired`: removes its index entries (checks
 * already ignore them by expiresAt), audits the expiry and tells the submitting practice. Runs
 * on a schedule; an alert re-confirmed or changed in the meantime is left alone. An alert that
 * cannot be expired is logged (by id and error name) and counted in `failed`, and the sweep
 * goes on with the next: one alert can never hold up the others (nor, in sweep.ts, the seal).
 */
export async function expireDueAlerts(deps: Deps): Promise<{ expired: number; failed: number }> {
  const now = deps.clock();
  let expired = 0;
  let failed = 0;
  for await (const due of deps.alerts.publishedExpiringBy(isoInstant(now))) {
    let moved = false;
    try {
      await mutateAlert(deps, due.alertId, sweeper.principal, async (alert, at) => {
        if (effectiveStatus(alert, at) !== 'expired' || alert.status !== 'published') return undefined;
        moved = true;
        return statusMove(deps, alert, at, sweeper, { to: 'expired', action: 'expired', change: { unpublish: true }, notice: 'alert.expired' });
      });
    } catch (error) {
      failed += 1;
      moved = false;
      deps.logger.error('alert could not be expired', { alertId: due.alertId, errorName: errorName(error) });
      continue;
    }
    if (moved) expired += 1;
  }
  return { expired, failed };
}
