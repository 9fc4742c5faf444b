import type { Deps } from '../deps.ts';
import { addDays, isoDate, isoInstant } from '../dates.ts';
import { errorName, ForbiddenError, NotFoundError } from '../errors.ts';
import { auditActor } from '../audit/events.ts';
import type { Principal } from '../records.ts';
import { notifySafely } from './notify.ts';

/** How many past days the reporter's view of its digest covers. */
export const digestDaysShown = 30;

export interface MatchDigestView {
  readonly alertId: string;
  readonly enabled: boolean;
  /** The fewest matches on a day that the digest tells; a day with fewer shows nothing. */
  readonly threshold: number;
  /** Complete UTC days (yesterday and before, newest first) with at least `threshold` matches. */
  readonly days: readonly { readonly day: string; readonly matches: number }[];
}

/**
 * The reporting practice opts in to (or out of) being told that its alert matched bookings. Only
 * the practice that submitted the alert may; to anyone else the alert does not exist (404).
 */
export async function setMatchDigest(deps: Deps, practice: Principal, alertId: string, enabled: boolean): Promise<MatchDigestView> {
  await ownAlert(deps, practice, alertId);
  const now = deps.clock();
  await deps.matchDigests.setOptIn(
    { alertId, practiceId: practice.practiceId!, enabled, changedAt: isoInstant(now) },
    {
      events: [
        {
          action: 'alert.match_digest_set',
          actor: auditActor(practice),
          targets: { alertId, practiceId: practice.practiceId! },
          outcome: enabled ? 'enabled' : 'disabled',
        },
      ],
      now,
    },
  );
  return matchDigestView(deps, alertId, enabled, now);
}

/** The reporter's digest so far: whether it is on, and the days that passed the threshold. */
export async function getMatchDigest(deps: Deps, practice: Principal, alertId: string): Promise<MatchDigestView> {
  await ownAlert(deps, practice, alertId);
  const optIn = await deps.matchDigests.getOptIn(alertId);
  return matchDigestView(deps, alertId, optIn?.enabled ?? false, deps.clock());
}

async function matchDigestView(deps: Deps, alertId: string, enabled: boolean, now: Date): Promise<MatchDigestView> {
  const threshold = deps.settings.matchDigestMinCount;
  const days = Array.from({ length: digestDaysShown }, (_, i) => isoDate(addDays(now, -1 - i)));
  const counts = await deps.matchDigests.counts(alertId, days);
  return { alertId, enabled, threshold, days: counts.filter(({ matches }) => matches >= threshold) };
}

async function ownAlert(deps: Deps, practice: Principal, alertId: string): Promise<void> {
  if (!practice.practiceId) throw new ForbiddenError('This API key belongs to no practice.');
  const alert = await deps.alerts.get(alertId);
  if (!alert || alert.practiceId !== practice.practiceId) throw new NotFoundError('No such alert.');
}

/**
 * Counts matches for the reporters' digests, off the answer's path: the answer does not wait for
 * it and a failure is logged, never raised. Only alerts whose reporter opted in are counted (the
 * store's update is conditional on the opt-in). `alertIds` holds one id per matched booking.
 */
export function countAlertMatches(deps: Pick<Deps, 'matchDigests' | 'logger'>, alertIds: readonly string[], now: Date): void {
  if (alertIds.length === 0) return;
  deps.matchDigests.count(alertIds, isoDate(now)).catch((error: unknown) => {
    deps.logger.warn('alert match counts not kept', { alerts: new Set(alertIds).size, errorName: errorName(error) });
  });
}

export interface DigestReport {
  /** Digests sent (one per alert and day at or above the threshold). */
  readonly sent: number;
  /** Alert-days closed without a message: fewer matches than the threshold. */
  readonly withheld: number;
}

/**
 * The daily digest (an EventBridge schedule in AWS, the local server's timer): for each alert whose
 * reporter opted in, each complete UTC day of the last week not yet digested is closed once; when
 * that day's count reaches the threshold, the reporting practice is told the count of that day
 * on the practices topic (its own practice id as the address). No practice, booking, check or
 * time within the day is named; a day under the threshold says nothing and is never carried over.
 */
export async function sendMatchDigests(deps: Deps): Promise<DigestReport> {
  const now = deps.clock();
  const threshold = deps.settings.matchDigestMinCount;
  const days = Array.from({ length: 7 }, (_, i) => isoDate(addDays(now, -1 - i)));
  let sent = 0;
  let withheld = 0;
  for (const optIn of await deps.matchDigests.optedIn()) {
    if (!optIn.enabled) continue;
    for (const { day, matches } of await deps.matchDigests.counts(optIn.alertId, days)) {
      if (matches === 0 || !(await deps.matchDigests.claimDigest(optIn.alertId, day))) continue;
      if (matches < threshold) {
        withheld += 1;
        continue;
      }
      await notifySafely(deps, { topic: 'practices', type: 'alert.match_digest', practiceId: optIn.practiceId, alertId: optIn.alertId, day, matches });
      sent += 1;
    }
  }
  deps.logger.info('match digests made', { sent, withheld });
  return { sent, withheld };
}
