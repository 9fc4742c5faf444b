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
 * The alert, if `viewer` may read it. Beyond `visibleAlert`, a reviewer reads only what reviewing
 * needs: pending alerts they may decide (not their own practice's) and alerts they decided. Any
 * other alert is a 404 exactly like one that does not exist.
 */
export async function readableAlert(deps: Pick<Deps, 'alerts' | 'clock'>, viewer: Principal, alertId: string): Promise<AlertRecord> {
  const alert = await visibleAlert(deps, viewer, alertId);
  if (viewer.role === 'reviewer' && !reviewerMayRead(alert, viewer, deps.clock())) {
    throw new NotFoundError('No alert with this id is visible to your key.');
  }
  return alert;
}

/** A reviewer reads an alert they decided, or one under review that they may decide. */
export function reviewerMayRead(alert: AlertRecord, reviewer: Principal, now: Date): boolean {
  if (alert.reviews.some((review) => review.reviewerKeyId === reviewer.keyId)) return true;
  return effectiveStatus(alert, now) === 'pending_review' && reviewer.practiceId !== undefined && reviewer.practiceId !== alert.practiceId;
}

/**
 * What each role sees of an alert. No role sees tokens or identifiers; only reviewers see the
 * summary text; a practice sees decisions and reasons but not who reviewed. A reviewer of the
 * submitting practice sees what that practice sees: their key must not reveal who reviewed
 * their own practice's alert. Any other reviewer sees the reviewer view: what reviewing needs,
 * without the reporting practice or who the other reviewers are (see `reviewerView`).
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
      reviews: await Promise.all(
        alert.reviews.map(async (review) => ({ decision: review.decision, reason: await reviewReason(deps, alert, review), decidedAt: review.decidedAt })),
      ),
      history: await Promise.all(
        alert.history.map(async ({ at, action, status, actorRole, ...entry }) => ({
          at,
          action,
          status,
          actorRole,
          reason: await readReason(deps, alert, entry, at),
        })),
      ),
    };
  }
  if (viewer.role === 'reviewer') return { ...base, ...(await reviewerView(deps, alert, viewer)) };
  // The admin: every reason (disputes are theirs to handle), but not the incident's free text.
  const { actionsTakenCiphertext: _actions, actionsTaken: _plainActions, ...incident } = alert.incident;
  return {
    ...base,
    practiceId: alert.practiceId,
    incident,
    consent: alert.consent,
    approvals: approvingPractices(alert).size,
    receipt: alert.receipt,
    publication: alert.publication,
    reviews: await Promise.all(alert.reviews.map(async (review) => reviewView(review, await reviewReason(deps, alert, review)))),
    history: await Promise.all(alert.history.map(async (entry) => historyView(entry, await readReason(deps, alert, entry, entry.at)))),
  };
}

const reviewReason = (deps: Pick<Deps, 'cipher'>, alert: AlertRecord, review: Review) => readReason(deps, alert, review, review.decidedAt);

function reviewView({ reasonCiphertext: _sealed, reason: _plain, ...review }: Review, reason: string | undefined) {
  return { ...review, reason };
}

function historyView({ reasonCiphertext: _sealed, reason: _plain, ...entry }: HistoryEntry, reason: string | undefined) {
  return { ...entry, reason };
}

/**
 * A reviewer's view: the incident with its summary, the consent proof, the approvals, and each
 * decision with a label that is stable for this alert ("Reviewer A" decided first, "Reviewer B"
 * next, then anyone who re-confirmed), `mine` on the viewer's own. Never the reporting practice
 * (nor what reveals it: the receipt, and the publication digest over a statement that names it),
 * never another reviewer's key or practice, and the history's reasons only for review decisions
 * (the text `reviews` already shows): a reviewer never reads a dispute, reinstatement, retraction
 * or re-confirmation reason (docs/security.md, "Free text is encrypted at rest").
 */
async function reviewerView(deps: Pick<Deps, 'cipher'>, alert: AlertRecord, viewer: Principal): Promise<Record<string, unknown>> {
  const label = reviewerLabels(alert);
  const { actionsTakenCiphertext: _actions, actionsTaken: _plainActions, ...incident } = alert.incident;
  return {
    incident: { ...incident, actionsTaken: await readActionsTaken(deps, alert), summary: await decryptSummary(deps, alert) },
    consent: alert.consent,
    approvals: approvingPractices(alert).size,
    reviews: await Promise.all(
      alert.reviews.map(async (review) => ({
        reviewer: label(review.reviewerKeyId),
        mine: review.reviewerKeyId === viewer.keyId,
        decision: review.decision,
        reason: await reviewReason(deps, alert, review),
        decidedAt: review.decidedAt,
      })),
    ),
    history: await Promise.all(
      alert.history.map(async (entry) => {
        const { at, action, status, actorKeyId, actorRole } = entry;
        const byReviewer = actorRole === 'reviewer';
        const reason = reviewDecisions.has(action) ? await readReason(deps, alert, entry, at) : undefined;
        return {
          at,
          action,
          status,
          actorRole,
          actor: byReviewer ? label(actorKeyId) : otherActors[actorRole],
          mine: actorKeyId === viewer.keyId,
          ...(reason !== undefined ? { reason } : {}),
        };
      }),
    ),
  };
}

const reviewDecisions: ReadonlySet<HistoryEntry['action']> = new Set(['approved', 'rejected']);

const otherActors: Record<Exclude<HistoryEntry['actorRole'], 'reviewer'>, string> = {
  practice: 'Submitting practice',
  admin: 'Network administrator',
  auditor: 'Auditor',
  system: 'Network',
};

/** "Reviewer A", "Reviewer B", … in the order reviewers first acted on the alert (decisions, then re-confirmations). */
export function reviewerLabels(alert: Pick<AlertRecord, 'reviews' | 'history'>): (keyId: string) => string {
  const order = new Map<string, number>();
  const see = (keyId: string) => void (order.has(keyId) || order.set(keyId, order.size));
  for (const review of alert.reviews) see(review.reviewerKeyId);
  for (const entry of alert.history) if (entry.actorRole === 'reviewer') see(entry.actorKeyId);
  return (keyId) => {
    see(keyId);
    const i = order.get(keyId)!;
    return `Reviewer ${i < 26 ? String.fromCharCode(65 + i) : i + 1}`;
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
