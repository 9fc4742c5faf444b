import type { Deps } from '../deps.ts';
import type { AlertRecord, HistoryEntry, Review } from '../records.ts';

/**
 * Free text an alert carries besides its summary — what the practice did (`actionsTaken`) and
 * every reason (review, dispute, reinstatement, retraction, re-confirmation) — is typed by a
 * person and may name a client. It is stored only envelope-encrypted, like the summary, bound
 * to its alert (and a reason to its instant), and decrypted only for the views that show it
 * (alert-views.ts).
 */
type AlertRef = Pick<AlertRecord, 'alertId' | 'practiceId'>;

export const actionsTakenContext = (alert: AlertRef): Record<string, string> => ({
  purpose: 'alert-free-text',
  field: 'actionsTaken',
  alertId: alert.alertId,
  practiceId: alert.practiceId,
});

/** A reason is bound to its alert and the instant it was given (a review and its history entry share one). */
export const reasonContext = (alert: AlertRef, at: string): Record<string, string> => ({
  purpose: 'alert-free-text',
  field: 'reason',
  alertId: alert.alertId,
  practiceId: alert.practiceId,
  at,
});

export const encryptReason = (deps: Pick<Deps, 'cipher'>, alert: AlertRef, at: string, reason: string): Promise<string> =>
  deps.cipher.encrypt(reason, reasonContext(alert, at));

/** A stored reason as text: decrypted, or the plain text of an alert stored before encryption. */
export async function readReason(
  deps: Pick<Deps, 'cipher'>,
  alert: AlertRef,
  entry: { reasonCiphertext?: string | undefined; reason?: string | undefined },
  at: string,
): Promise<string | undefined> {
  if (entry.reasonCiphertext !== undefined) return deps.cipher.decrypt(entry.reasonCiphertext, reasonContext(alert, at));
  return entry.reason;
}

export async function readActionsTaken(deps: Pick<Deps, 'cipher'>, alert: AlertRecord): Promise<string | undefined> {
  const { actionsTakenCiphertext, actionsTaken } = alert.incident;
  if (actionsTakenCiphertext !== undefined) return deps.cipher.decrypt(actionsTakenCiphertext, actionsTakenContext(alert));
  return actionsTaken;
}

/**
 * An alert stored before free text was encrypted, with every plain-text reason and its
 * actionsTaken encrypted: mutate-alert.ts writes this form, so such an alert loses its plain
 * text at its next write. Returns the same object when there is nothing to encrypt.
 */
export async function sealPlainText(deps: Pick<Deps, 'cipher'>, alert: AlertRecord): Promise<AlertRecord> {
  const plainReviews = alert.reviews.some((review) => review.reason !== undefined);
  const plainHistory = alert.history.some((entry) => entry.reason !== undefined);
  const plainActions = alert.incident.actionsTaken !== undefined;
  if (!plainReviews && !plainHistory && !plainActions) return alert;
  const sealReview = async (review: Review): Promise<Review> => {
    if (review.reason === undefined) return review;
    const { reason, ...rest } = review;
    return { ...rest, reasonCiphertext: await encryptReason(deps, alert, review.decidedAt, reason) };
  };
  const sealEntry = async (entry: HistoryEntry): Promise<HistoryEntry> => {
    if (entry.reason === undefined) return entry;
    const { reason, ...rest } = entry;
    return { ...rest, reasonCiphertext: await encryptReason(deps, alert, entry.at, reason) };
  };
  const { actionsTaken, ...incident } = alert.incident;
  return {
    ...alert,
    incident:
      actionsTaken === undefined
        ? alert.incident
        : { ...incident, actionsTakenCiphertext: await deps.cipher.encrypt(actionsTaken, actionsTakenContext(alert)) },
    reviews: await Promise.all(alert.reviews.map(sealReview)),
    history: await Promise.all(alert.history.map(sealEntry)),
  };
}
