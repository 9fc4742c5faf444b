import { ConflictError } from '../errors.ts';
import type { AlertRecord, HistoryEntry } from '../records.ts';

/**
 * An alert is one DynamoDB item, and an item cannot pass 400 KB: an alert that reached it could
 * no longer be disputed, retracted or expired. So everything that grows is bounded:
 * - reasons are at most 2,000 characters (the request schema), encrypted: ≤ ~8.5 KB each;
 * - at most `maxReviews` review decisions (two practices' approvals publish; one rejection ends);
 * - re-confirmations need two practices, each reviewer once per period (lifecycle.ts), and the
 *   pending ones are cleared when the alert is renewed: at most two are held;
 * - the history keeps its first entry (the submission) and the latest `maxHistory - 1`; the
 *   ones in between are counted in `historyTrimmed` (the audit log keeps every one of them).
 * With the summary (≤ 10,000 characters) and actionsTaken (≤ 5,000) encrypted, the largest
 * possible alert stays near 320 KB (test/integration/alert-size.test.ts writes one).
 */
export const maxHistory = 20;
export const maxReviews = 6;

/** The alert with `entry` appended to its history, trimmed to `maxHistory`. */
export function withHistoryEntry(alert: AlertRecord, entry: HistoryEntry): AlertRecord {
  const history = [...alert.history, entry];
  if (history.length <= maxHistory) return { ...alert, history };
  const drop = history.length - maxHistory;
  return { ...alert, history: [history[0]!, ...history.slice(1 + drop)], historyTrimmed: (alert.historyTrimmed ?? 0) + drop };
}

/** Refuses a review decision the alert has no room for (409; never reached by the two-practice rule in practice). */
export function assertRoomForReview(alert: AlertRecord): void {
  if (alert.reviews.length >= maxReviews) {
    throw new ConflictError(
      `This alert already holds ${maxReviews} review decisions, the most it can take; an admin can retract it if it should not stay under review.`,
    );
  }
}
