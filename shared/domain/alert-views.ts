import type { Deps } from '../deps.ts';
import { effectiveStatus } from '../alerts/state-machine.ts';
import { approvingPractices } from '../alerts/review-rules.ts';
import { NotFoundError } from '../errors.ts';
import type { AlertRecord, Principal } from '../records.ts';

/**
 * The alert, if `viewer` may see it: a practice only sees its own, and another practice's
 * alert is a 404 exactly like one that does not exist (never reveal that it exists).
 */
export async function visibleAlert(deps: Pick<Deps, 'alerts'>, viewer: Principal, alertId: string): Promise<AlertRecord> {
  const alert = await deps.alerts.get(alertId);
  if (!alert || (viewer.role === 'practice' && alert.practiceId !== viewer.practiceId)) {
    throw new NotFoundError('No alert with this id is visible to your key.');
  }
  return alert;
}

/**
 * What each role sees of an alert. No role sees tokens or identifiers; only reviewers see the
 * summary text; a practice sees decisions and reasons but not who reviewed. A reviewer of the
 * submitting practice sees what that practice sees: their key must not reveal who reviewed
 * their own practice's alert.
 */
export async function alertView(deps: Pick<Deps, 'cipher' | 'clock'>, alert: AlertRecord, viewer: Principal): Promise<Record<string, unknown>> {
  const now = deps.clock();
  const base = {
    alertId: alert.alertId,
    status: effectiveStatus(alert, now),
    category: alert.incident.category,
    severity: alert.incident.severity,
    submittedAt: alert.submittedAt,
    publishedAt: alert.publishedAt,
    expiresAt: alert.expiresAt,
  };
  if (viewer.role === 'practice' || viewer.practiceId === alert.practiceId) {
    return {
      ...base,
      reviews: alert.reviews.map(({ decision, reason, decidedAt }) => ({ decision, reason, decidedAt })),
      history: alert.history.map(({ at, action, status, actorRole, reason }) => ({ at, action, status, actorRole, reason })),
    };
  }
  const incident =
    viewer.role === 'reviewer'
      ? { ...alert.incident, summary: await decryptSummary(deps, alert) }
      : alert.incident;
  return {
    ...base,
    practiceId: alert.practiceId,
    incident,
    consent: alert.consent,
    approvals: approvingPractices(alert).size,
    receipt: alert.receipt,
    publication: alert.publication,
    reviews: alert.reviews,
    history: alert.history,
  };
}

export function decryptSummary(deps: Pick<Deps, 'cipher'>, alert: AlertRecord): Promise<string> {
  return deps.cipher.decrypt(alert.summaryCiphertext, summaryContext(alert));
}

/** Binds each ciphertext to its alert, so a summary cannot be swapped onto another alert. */
export const summaryContext = (alert: Pick<AlertRecord, 'alertId' | 'practiceId'>): Record<string, string> => ({
  purpose: 'incident-summary',
  alertId: alert.alertId,
  practiceId: alert.practiceId,
});
