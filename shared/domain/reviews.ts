import type { Deps } from '../deps.ts';
import { isoInstant } from '../dates.ts';
import { approvingPractices, assertMayDecide, reviewOutcome } from '../alerts/review-rules.ts';
import { auditActor, reasonDigest } from '../audit/events.ts';
import type { AlertRecord, AuditEvent, HistoryEntry, Principal, Review } from '../records.ts';
import { alertView, decryptSummary } from './alert-views.ts';
import { assertRoomForReview, withHistoryEntry } from '../alerts/bounds.ts';
import { encryptReason, readActionsTaken } from './free-text.ts';
import { tokensRemovableAt } from './retention.ts';
import { practiceNotice } from './lifecycle.ts';
import { mutateAlert, type AlertMove } from './mutate-alert.ts';
import { indexEntry, publishedAlert } from './publication.ts';

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
      incident: await reviewedIncident(deps, alert),
      consent: alert.consent,
      submittedAt: alert.submittedAt,
      approvals: approvingPractices(alert).size,
    })),
  );
  return { items };
}

/** The incident as a reviewer reads it: its free text decrypted. */
async function reviewedIncident(deps: Pick<Deps, 'cipher'>, alert: AlertRecord) {
  const { actionsTakenCiphertext: _sealed, actionsTaken: _plain, ...incident } = alert.incident;
  return { ...incident, actionsTaken: await readActionsTaken(deps, alert), summary: await decryptSummary(deps, alert) };
}

/**
 * A reviewer approves or rejects. One rejection ends the alert as rejected; approvals from two
 * practices other than the submitter publish it: it is signed, gets publishedAt and expiresAt,
 * and its tokens enter the index in the same transaction (with the approval's and the
 * publication's audit entries), so it matches from that moment.
 */
export async function decideReview(
  deps: Deps,
  reviewer: Principal,
  alertId: string,
  input: { decision: 'approve' | 'reject'; reason: string },
): Promise<Record<string, unknown>> {
  const updated = await mutateAlert(deps, alertId, reviewer, async (alert, now): Promise<AlertMove> => {
    assertMayDecide(alert, reviewer, now);
    assertRoomForReview(alert);
    const at = isoInstant(now);
    // One ciphertext for the review and its history entry: both are bound to this instant.
    const reasonCiphertext = await encryptReason(deps, alert, at, input.reason);
    const review: Review = {
      reviewerKeyId: reviewer.keyId,
      reviewerPracticeId: reviewer.practiceId!,
      decision: input.decision,
      reasonCiphertext,
      decidedAt: at,
    };
    const reviewed: AlertRecord = { ...alert, reviews: [...alert.reviews, review] };
    const actor = { at, actorKeyId: reviewer.keyId, actorRole: reviewer.role, reasonCiphertext };
    const targets = { alertId: alert.alertId, practiceId: alert.practiceId };
    const outcome = reviewOutcome(reviewed);
    const decision = { reviewerKeyId: reviewer.keyId, decidedAt: at };
    const decisionEvent = (action: 'alert.approved' | 'alert.rejected', status: string): AuditEvent => ({
      action,
      actor: auditActor(reviewer),
      targets,
      outcome: status,
      detail: reasonDigest(reasonCiphertext),
    });
    if (outcome === 'rejected') {
      const next = withHistory({ ...reviewed, tokensRemovableAt: tokensRemovableAt(deps, now) }, 'rejected', {
        ...actor,
        action: 'rejected',
        status: 'rejected',
      });
      return {
        next,
        change: undefined,
        events: [decisionEvent('alert.rejected', 'rejected')],
        notifications: [practiceNotice(next, 'alert.rejected', now)],
        decision,
      };
    }
    const approved = withHistory(reviewed, reviewed.status, { ...actor, action: 'approved', status: 'pending_review' });
    if (outcome === 'pending_review') return { next: approved, change: undefined, events: [decisionEvent('alert.approved', 'pending_review')], decision };

    const signed = await publishedAlert(deps, approved, now);
    const next = withHistory(signed, 'published', { at, action: 'published', status: 'published', actorKeyId: reviewer.keyId, actorRole: reviewer.role });
    return {
      next,
      change: { publish: indexEntry(next) },
      events: [
        decisionEvent('alert.approved', 'published'),
        {
          action: 'alert.published',
          actor: auditActor(reviewer),
          targets,
          outcome: 'published',
          detail: { expiresAt: next.expiresAt!, publicationSha256: next.publication!.contentSha256, approvals: approvingPractices(next).size },
        },
      ],
      notifications: [practiceNotice(next, 'alert.published', now)],
      decision,
    };
  });
  return alertView(deps, updated, reviewer);
}

function withHistory(alert: AlertRecord, status: AlertRecord['status'], entry: HistoryEntry): AlertRecord {
  return { ...withHistoryEntry(alert, entry), status };
}
