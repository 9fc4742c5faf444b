import type { Deps } from '../deps.ts';
import { effectiveStatus } from '../alerts/state-machine.ts';
import { approvingPractices } from '../alerts/review-rules.ts';
import type { AlertRecord, Principal } from '../ports.ts';

/**
 * What each role sees of an alert. No role sees tokens or identifiers; only reviewers see the
 * summary text; a practice sees decisions and reasons but not who reviewed.
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
  if (viewer.role === 'practice') {
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
