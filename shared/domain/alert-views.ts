import type { Deps } from '../deps.ts';
import { effectiveStatus } from '../alerts/state-machine.ts';
import { approvingPractices } from '../alerts/review-rules.ts';
import { NotFoundError } from '../errors.ts';
import type { AlertRecord, HistoryEntry, Principal, Review } from '../records.ts';
import { readActionsTaken, readReason } from './free-text.ts';

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
 * What each role sees of an alert. No role sees tokens or identifiers. Free text is stored
 * encrypted and decrypted only where it is shown:
 * - the submitting practice (and a reviewer of it) sees decisions and every reason, but not who
 *   reviewed: their key must not reveal who reviewed their own practice's alert;
 * - a reviewer of another practice sees the incident with its summary and actionsTaken (what
 *   reviewing needs) and the reviews' reasons, but not the reasons of disputes, reinstatements,
 *   retractions or re-confirmations in the history;
 * - an admin sees every reason (disputes are theirs to handle) but not the incident's free text.
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
      reviews: await Promise.all(alert.reviews.map(async (review) => ({ decision: review.decision, reason: await reviewReason(deps, alert, review), decidedAt: review.decidedAt }))),
      history: await Promise.all(alert.history.map(async ({ at, action, status, actorRole, ...entry }) => ({ at, action, status, actorRole, reason: await readReason(deps, alert, entry, at) }))),
    };
  }
  const reviewer = viewer.role === 'reviewer';
  const { actionsTakenCiphertext: _actions, actionsTaken: _plainActions, ...incident } = alert.incident;
  return {
    ...base,
    practiceId: alert.practiceId,
    incident: reviewer ? { ...incident, actionsTaken: await readActionsTaken(deps, alert), summary: await decryptSummary(deps, alert) } : incident,
    consent: alert.consent,
    approvals: approvingPractices(alert).size,
    receipt: alert.receipt,
    publication: alert.publication,
    reviews: await Promise.all(alert.reviews.map(async (review) => reviewView(review, await reviewReason(deps, alert, review)))),
    history: await Promise.all(alert.history.map(async (entry) => historyView(entry, reviewer ? undefined : await readReason(deps, alert, entry, entry.at)))),
  };
}

const reviewReason = (deps: Pick<Deps, 'cipher'>, alert: AlertRecord, review: Review) => readReason(deps, alert, review, review.decidedAt);

function reviewView({ reasonCiphertext: _sealed, reason: _plain, ...review }: Review, reason: string | undefined) {
  return { ...review, reason };
}

function historyView({ reasonCiphertext: _sealed, reason: _plain, ...entry }: HistoryEntry, reason: string | undefined) {
  return { ...entry, reason };
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
