import type { AlertRecord, AlertStatus } from '../records.ts';
import { ConflictError } from '../errors.ts';

/**
 * The alert status diagram from the API contract. Every move not listed here is a 409.
 * `expired` is never stored by a request: a published alert past its `expiresAt` reads as
 * expired (see effectiveStatus), whatever DynamoDB's TTL has or has not done.
 */
export const transitions: Readonly<Record<AlertStatus, readonly AlertStatus[]>> = {
  pending_review: ['published', 'rejected'],
  published: ['suspended', 'retracted', 'expired'],
  suspended: ['published', 'retracted'],
  rejected: [],
  retracted: [],
  expired: [],
};

export function canMove(from: AlertStatus, to: AlertStatus): boolean {
  return transitions[from].includes(to);
}

export function assertMove(from: AlertStatus, to: AlertStatus): void {
  if (!canMove(from, to)) {
    throw new ConflictError(`An alert that is ${from.replace('_', ' ')} cannot become ${to.replace('_', ' ')}.`);
  }
}

/** The status a reader sees at `now`: published alerts past their expiry read as expired. */
export function effectiveStatus(alert: Pick<AlertRecord, 'status' | 'expiresAt'>, now: Date): AlertStatus {
  if (alert.status === 'published' && alert.expiresAt !== undefined && Date.parse(alert.expiresAt) <= now.getTime()) {
    return 'expired';
  }
  return alert.status;
}

/** True when the alert should match a check at `now`. */
export function isMatchable(alert: Pick<AlertRecord, 'status' | 'expiresAt'>, now: Date): boolean {
  return effectiveStatus(alert, now) === 'published';
}
