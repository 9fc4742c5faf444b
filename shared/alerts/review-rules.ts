import type { AlertRecord, Principal, Review } from '../records.ts';
import { ConflictError, ForbiddenError } from '../errors.ts';
import { effectiveStatus } from './state-machine.ts';

/** Approvals from this many different practices (none of them the submitter) publish an alert. */
export const approvalsToPublish = 2;

export type ReviewOutcome = 'pending_review' | 'published' | 'rejected';

/**
 * The conflict-of-interest and one-decision-per-reviewer rules. Throws the domain error the
 * contract names: 403 for a reviewer of the submitting practice, 409 for a second decision
 * or an alert no longer under review.
 */
export function assertMayDecide(alert: AlertRecord, reviewer: Principal, now: Date): void {
  if (!reviewer.practiceId || reviewer.practiceId === alert.practiceId) {
    throw new ForbiddenError('Reviewers may not decide alerts submitted by their own practice.');
  }
  if (alert.reviews.some((review) => review.reviewerKeyId === reviewer.keyId)) {
    throw new ConflictError('You have already decided this alert; each reviewer decides once.');
  }
  const status = effectiveStatus(alert, now);
  if (status !== 'pending_review') {
    throw new ConflictError(`This alert is ${status.replace('_', ' ')} and no longer takes review decisions.`);
  }
}

/** Distinct practices (never the submitter) that approved. */
export function approvingPractices(alert: Pick<AlertRecord, 'practiceId' | 'reviews'>): Set<string> {
  return new Set(
    alert.reviews
      .filter((review) => review.decision === 'approve' && review.reviewerPracticeId !== alert.practiceId)
      .map((review) => review.reviewerPracticeId),
  );
}

/** What the reviews add up to: one rejection ends it; two practices' approvals publish it. */
export function reviewOutcome(alert: Pick<AlertRecord, 'practiceId' | 'reviews'>): ReviewOutcome {
  if (alert.reviews.some((review: Review) => review.decision === 'reject')) return 'rejected';
  return approvingPractices(alert).size >= approvalsToPublish ? 'published' : 'pending_review';
}
