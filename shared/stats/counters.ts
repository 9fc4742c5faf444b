import { isoDate } from '../dates.ts';
import type { AlertRecord, AlertStatus, SecurityNotification } from '../records.ts';
import type { TallyMove } from './tally.ts';

/**
 * What the network counts as it works, as tally moves (shared/stats/tally.ts). Each function here
 * is pure: the stores turn its moves into updates inside the transaction of the action counted
 * (an alert's write, a screening round's quota update), so a figure moves exactly when what it
 * counts happens, and a refused or failed action counts nothing.
 *
 * Items (sort keys under the `STATS` partition of the main table):
 * - `ALERTS`: alerts by current status (gauges; the overview reads the same numbers);
 * - `ALERT_EVENTS`: since counting began: submissions by category and severity, publications,
 *   rejections, disputes and their outcomes, expiries, retractions, and the review-time histogram;
 * - `CHECKS#<day>#<shard>`: a UTC day's checks, matches, and matches by tier (spread over shards by practice);
 * - `RESCREEN#<day>#<shard>`: a UTC day's booking registrations and re-screen notifications;
 * - `NOTICES#<day>`: a UTC day's quota and possible-enumeration notices.
 */
export const statsItems = {
  alerts: 'ALERTS',
  alertEvents: 'ALERT_EVENTS',
  checks: (day: string, shard: number) => `CHECKS#${day}#${shard}`,
  rescreen: (day: string, shard: number) => `RESCREEN#${day}#${shard}`,
  notices: (day: string) => `NOTICES#${day}`,
} as const;

/** Daily items are kept this long (the statistics cover the last 14 days). */
export const dailyItemsKeptForDays = 20;
export const isDailyItem = (item: string): boolean => /#\d{4}-\d{2}-\d{2}(#|$)/.test(item);

/** Daily counters are spread over this many items, by practice. */
export const dayShards = 8;

/** A practice's shard of a day's counters: stable, and spread evenly enough. */
export function dayShard(practiceId: string): number {
  let sum = 0;
  for (const char of practiceId) sum = (sum * 31 + char.charCodeAt(0)) >>> 0;
  return sum % dayShards;
}

/** Review time (submission to the publishing or rejecting decision) histogram: each bucket's upper bound in hours; the last is open. */
export const reviewBucketHours = [1, 2, 4, 8, 12, 24, 48, 72, 120, 168, 336, 720] as const;
export const reviewBucket = (hours: number): string => {
  const bound = reviewBucketHours.find((limit) => hours <= limit);
  return bound === undefined ? 'review#over' : `review#${bound}`;
};

/**
 * Counters of `ALERT_EVENTS` per status move. A dispute is the admin suspending a published
 * alert; its outcome is either reinstatement (`dispute_upheld`: the record stands) or retraction
 * while suspended (`dispute_removed`).
 */
const moveCounters: Partial<Record<`${AlertStatus}>${AlertStatus}`, string>> = {
  'pending_review>published': 'published',
  'pending_review>rejected': 'rejected',
  'published>suspended': 'disputed',
  'suspended>published': 'dispute_upheld',
  'suspended>retracted': 'dispute_removed',
  'published>retracted': 'retracted',
  'published>expired': 'expired',
};

/** The moves of one alert write: from `from` (none: a new alert) to the alert's status, at `now`. */
export function alertMoves(
  from: AlertStatus | undefined,
  alert: Pick<AlertRecord, 'alertId' | 'practiceId' | 'status' | 'submittedAt' | 'incident'>,
  now: Date,
): TallyMove[] {
  const to = alert.status;
  if (from === to) return [];
  const { alertId, practiceId } = alert;
  const gauge = (status: AlertStatus, by: number): TallyMove => ({ item: statsItems.alerts, counter: status, by, practiceId, gauge: true });
  const event = (counter: string): TallyMove => ({ item: statsItems.alertEvents, counter, by: 1, practiceId, alertId });
  const moves: TallyMove[] = [gauge(to, 1)];
  if (from === undefined) {
    moves.push(event('submitted'), event(`category#${alert.incident.category}`), event(`severity#${alert.incident.severity}`));
    return moves;
  }
  moves.push(gauge(from, -1));
  const counter = moveCounters[`${from}>${to}`];
  if (counter) moves.push(event(counter));
  if (from === 'pending_review' && (to === 'published' || to === 'rejected')) {
    const hours = Math.max(0, now.getTime() - Date.parse(alert.submittedAt)) / 3_600_000;
    moves.push(event('decided'), event(reviewBucket(hours)));
  }
  return moves;
}

/** A screening round's (or a registration's) counts: bookings screened, and the matched alerts by tier. */
export interface ScreeningTally {
  readonly bookings: number;
  readonly strongAlertIds: readonly (readonly string[])[];
  readonly possibleAlertIds: readonly (readonly string[])[];
  /** Matched bookings of unknown tier (a caller that counts only how many matched). */
  readonly untieredMatches?: number | undefined;
}

/** What a screening ledger was told (a bare number of matches, or the tally) as a tally of `bookings`. */
export const screeningTally = (bookings: number, matches: number | ScreeningTally): ScreeningTally =>
  typeof matches === 'number' ? { bookings, strongAlertIds: [], possibleAlertIds: [], untieredMatches: matches } : { ...matches, bookings };

/** The moves of screened bookings: `checks`, `matches` (any tier) and `strong` / `possible`, each match counted per booking. */
export function checkMoves(practiceId: string, now: Date, tally: ScreeningTally): TallyMove[] {
  const item = statsItems.checks(isoDate(now), dayShard(practiceId));
  const moves: TallyMove[] = [{ item, counter: 'checks', by: tally.bookings, practiceId }];
  const tier = (counter: 'strong' | 'possible', bookings: readonly (readonly string[])[]) => {
    for (const alertIds of bookings) {
      moves.push({ item, counter: 'matches', by: 1, practiceId });
      // One booking counts once; each alert it matched joins the contributors.
      alertIds.forEach((alertId, i) => moves.push({ item, counter, by: i === 0 ? 1 : 0, practiceId, alertId }));
    }
  };
  if (tally.untieredMatches) moves.push({ item, counter: 'matches', by: tally.untieredMatches, practiceId });
  tier('strong', tally.strongAlertIds);
  tier('possible', tally.possibleAlertIds);
  return moves;
}

/**
 * Booking registrations (for re-screening): call in the registration's own transaction, with the
 * number of bookings registered (a duplicate ref that changed nothing counts 0).
 */
export function registrationsCounted(practiceId: string, now: Date, registered: number): TallyMove[] {
  return [{ item: statsItems.rescreen(isoDate(now), dayShard(practiceId)), counter: 'registered', by: registered, practiceId }];
}

/**
 * One re-screen notification: a registered booking of `practiceId` matched alert `alertId` when it
 * published or was reinstated. Call with the notification's write (one move per notified booking).
 */
export function rescreenNotified(practiceId: string, alertId: string, tier: 'strong' | 'possible', now: Date): TallyMove[] {
  const item = statsItems.rescreen(isoDate(now), dayShard(practiceId));
  return [
    { item, counter: 'notified', by: 1, practiceId, alertId },
    { item, counter: `notified#${tier}`, by: 1, practiceId, alertId },
  ];
}

/** The moves of a security notice: quota and possible-enumeration notices are counted per day. */
export function noticeMoves(notice: SecurityNotification): TallyMove[] {
  if (notice.type !== 'screening.quota_exceeded' && notice.type !== 'screening.possible_enumeration') return [];
  const counter = notice.type === 'screening.quota_exceeded' ? 'quota_exceeded' : 'possible_enumeration';
  return [{ item: statsItems.notices(notice.at.slice(0, 10)), counter, by: 1, practiceId: notice.practiceId }];
}

/**
 * The moves an alert's whole stored life adds up to (the backfill, `npm run admin --
 * recount-alerts`): its history replayed move by move. A history trimmed in the middle (bounded,
 * shared/alerts/bounds.ts) loses the event counts of the dropped moves; the status counts are
 * exact whatever was trimmed.
 */
export function alertHistoryMoves(alert: Pick<AlertRecord, 'alertId' | 'practiceId' | 'status' | 'submittedAt' | 'incident' | 'history'>): TallyMove[] {
  const steps: { status: AlertStatus; at: string }[] = [];
  for (const { status, at } of [...alert.history, { status: alert.status, at: alert.history.at(-1)?.at ?? alert.submittedAt }]) {
    if (steps.at(-1)?.status !== status) steps.push({ status, at });
  }
  const moves: TallyMove[] = [];
  steps.forEach((step, i) => moves.push(...alertMoves(steps[i - 1]?.status, { ...alert, status: step.status }, new Date(step.at))));
  return moves;
}
