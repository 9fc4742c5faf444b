import type { AlertRecord } from '../records.ts';

/**
 * An alert as read from storage, in the form this version writes. Receipts written before the
 * receipt digest was keyed (no `digest`) carry a plain SHA-256 of the submitted body, from
 * which anyone holding the rest of the body could recover an identifier by trying guesses:
 * that digest is dropped on every read, so no view, sweep or write ever carries it on, and
 * the alert's next write stores it without. (The practice keeps its own copy of the receipt,
 * whose signature still verifies with that copy.)
 */
export function readStoredAlert(alert: AlertRecord): AlertRecord {
  if (alert.receipt?.digest !== undefined || alert.receipt?.contentSha256 === undefined) return alert;
  const { contentSha256: _plainDigest, ...receipt } = alert.receipt;
  return { ...alert, receipt };
}
