import type { Deps } from '../deps.ts';
import { addDays, isoDate, isoInstant } from '../dates.ts';
import { approvingPractices, assertMayDecide, reviewOutcome } from '../alerts/review-rules.ts';
import type { AlertRecord, HistoryEntry, IndexChange, Principal, Review } from '../ports.ts';
import { alertView, decryptSummary } from './alert-views.ts';
import { mutateAlert } from './mutate-alert.ts';
import { signStatement } from './signing.ts';
import { canonicalJson, sha256Hex } from '../canonical.ts';

/** The most a queue answer holds; the oldest come first, and deciding them brings up the next. */
export const queueLimit = 50;

/** Pending alerts a reviewer may decide: never their own practice's, never ones they decided. */
export async function reviewQueue(deps: Deps, reviewer: Principal): Promise<{ items: Record<string, unknown>[] }> {
  const mine: AlertRecord[] = [];
  for await (const alert of deps.alerts.pendingReview()) {
    if (alert.practiceId === reviewer.practiceId) continue;
    if (alert.reviews.some((review) => review.reviewerKeyId === reviewer.keyId)) continue;
    mine.push(alert);
    if (mine.length === queueLimit) break;
  }
  const items = await Promise.all(
    mine.map(async (alert) => ({
      alertId: alert.alertId,
      category: alert.incident.category,
      severity: alert.incident.severity,
      incident: { ...alert.incident, summary: await decryptSummary(deps, alert) },
      consent: alert.consent,
      submittedAt: alert.submittedAt,
      approvals: approvingPractices(alert).size,
    })),
  );
  return { items };
}

/**
 * A reviewer approves or rejects. One rejection ends the alert as rejected; approvals from two
 * practices other than the submitter publish it: it is signed, gets publishedAt and expiresAt,
 * and its tokens enter the index in the same transaction, so it matches from that moment.
 */
export async function decideReview(
  deps: Deps,
  reviewer: Principal,
  alertId: string,
  input: { decision: 'approve' | 'reject'; reason: string },
): Promise<Record<string, unknown>> {
  const updated = await mutateAlert(deps, alertId, reviewer, async (alert) => {
    const now = deps.clock();
    assertMayDecide(alert, reviewer, now);
    const at = isoInstant(now);
    const review: Review = {
      reviewerKeyId: reviewer.keyId,
      reviewerPracticeId: reviewer.practiceId!,
      decision: input.decision,
      reason: input.reason,
      decidedAt: at,
    };
    const reviewed: AlertRecord = { ...alert, reviews: [...alert.reviews, review] };
    const actor = { at, actorKeyId: reviewer.keyId, actorRole: reviewer.role, reason: input.reason };
    const outcome = reviewOutcome(reviewed);
    if (outcome === 'rejected') {
      return { next: withHistory(reviewed, 'rejected', { ...actor, action: 'rejected', status: 'rejected' }), change: undefined };
    }
    const approved = withHistory(reviewed, reviewed.status, { ...actor, action: 'approved', status: 'pending_review' });
    if (outcome === 'pending_review') return { next: approved, change: undefined };
    return publish(deps, approved, now, reviewer);
  });
  return alertView(deps, updated, reviewer);
}

async function publish(deps: Deps, alert: AlertRecord, now: Date, by: Principal): Promise<{ next: AlertRecord; change: IndexChange }> {
  const publishedAt = isoInstant(now);
  const expiresAt = isoInstant(addDays(now, deps.settings.alertTtlDays));
  const statement = publicationStatement({ ...alert, publishedAt, expiresAt });
  const signed = await signStatement(deps.signer, statement);
  const next: AlertRecord = withHistory(
    { ...alert, publishedAt, expiresAt, publication: { contentSha256: sha256Hex(canonicalJson(statement)), ...signed } },
    'published',
    { at: publishedAt, action: 'published', status: 'published', actorKeyId: by.keyId, actorRole: by.role },
  );
  return {
    next,
    change: {
      publish: {
        alertId: alert.alertId,
        practiceId: alert.practiceId,
        category: alert.incident.category,
        severity: alert.incident.severity,
        publishedOn: isoDate(now),
        expiresAt,
      },
    },
  };
}

/** What the network's publication signature covers (verifiable with the public key alone). */
export function publicationStatement(alert: AlertRecord): Record<string, unknown> {
  return {
    type: 'peerguard.alert.publication.v1',
    alertId: alert.alertId,
    practiceId: alert.practiceId,
    category: alert.incident.category,
    severity: alert.incident.severity,
    tokens: alert.tokens,
    consent: alert.consent,
    receiptContentSha256: alert.receipt.contentSha256,
    approvals: alert.reviews.filter((review) => review.decision === 'approve').map((review) => ({ practiceId: review.reviewerPracticeId, decidedAt: review.decidedAt })),
    publishedAt: alert.publishedAt,
    expiresAt: alert.expiresAt,
  };
}

function withHistory(alert: AlertRecord, status: AlertRecord['status'], entry: HistoryEntry): AlertRecord {
  return { ...alert, status, history: [...alert.history, entry] };
}
