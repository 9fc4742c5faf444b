import type { Deps } from '../deps.ts';
import { isoInstant } from '../dates.ts';
import { errorName } from '../errors.ts';
import { newId } from '../ids.ts';
import { systemActor } from '../audit/events.ts';
import { checkTokenDigest } from '../audit/check-tokens.ts';
import { auditedKinds, strongKinds } from '../identifiers/token-kinds.ts';
import type { AuditEvent, AuditedBooking, BookingRegistration, IndexedAlert, Notification, RescreenMatch } from '../records.ts';
import { matchAlerts } from './checks.ts';
import { countAlertMatches } from './match-digest.ts';
import { notifySafely } from './notify.ts';
import { indexEntry } from './publication.ts';

/** The practices-topic messages after which an alert's tokens are looked up among the registered bookings. */
export const rescreenTriggers: ReadonlySet<string> = new Set(['alert.published', 'alert.reinstated']);

export interface RescreenReport {
  readonly alertId: string;
  /** Registrations the alert's tokens found in the index (before the match rules). */
  readonly candidates: number;
  /** Registered bookings the alert matches: each practice was told of each. */
  readonly matched: number;
  readonly practices: number;
}

/**
 * Looks an alert that has just been published or reinstated up among the registered upcoming
 * bookings: one index lookup per token of the alert (never a scan), then the same match rules as
 * a check (`matchAlerts`: a name alone against a different date of birth is another person). Each
 * practice with an affected booking is told on the practices topic (ref, tier, category,
 * severity; never who reported nor any identifier), the match is kept for its front desk, and the
 * lookup is audited per practice like a check (token digests, result).
 */
export async function rescreenAlert(deps: Deps, alertId: string): Promise<RescreenReport> {
  const now = deps.clock();
  const alert = await deps.alerts.get(alertId);
  const none = { alertId, candidates: 0, matched: 0, practices: 0 };
  if (alert?.status !== 'published' || !alert.publishedAt || !alert.expiresAt || Date.parse(alert.expiresAt) <= now.getTime()) return none;
  const entry = indexEntry(alert);
  const index = new Map<string, IndexedAlert[]>(alert.tokens.map(({ token }) => [token, [entry]]));
  const candidates = await deps.bookings.findByTokens([...index.keys()], now);

  const found: { registration: BookingRegistration; match: RescreenMatch }[] = [];
  for (const registration of candidates) {
    const [hit] = matchAlerts(registration.tokens, index, now);
    if (!hit) continue;
    found.push({
      registration,
      match: {
        alertId,
        checkId: newId('chk', now),
        confidence: [...hit.kinds].some((kind) => strongKinds.has(kind)) ? 'strong' : 'possible',
        category: entry.category,
        severity: entry.severity,
        publishedOn: entry.publishedOn,
        matchedAt: isoInstant(now),
      },
    });
  }
  if (found.length === 0) return { ...none, candidates: candidates.length };

  const byPractice = new Map<string, typeof found>();
  for (const item of found) byPractice.set(item.registration.practiceId, [...(byPractice.get(item.registration.practiceId) ?? []), item]);
  // The audit entry comes first: a practice is never told of a match the log does not hold.
  await deps.audit.append(
    [...byPractice].map(([practiceId, items]) => rescreenEvent(alertId, practiceId, items)),
    now,
  );
  await Promise.all(
    found.map(async ({ registration, match }) => {
      try {
        await deps.bookings.recordMatch(registration, match);
      } catch (error) {
        deps.logger.warn('re-screen match not kept for the front desk', { alertId, checkId: match.checkId, errorName: errorName(error) });
      }
      await notifySafely(deps, rescreenNotice(registration, match));
    }),
  );
  countAlertMatches(
    deps,
    found.map(() => alertId),
    now,
  );
  const report = { alertId, candidates: candidates.length, matched: found.length, practices: byPractice.size };
  deps.logger.info('re-screen finished', { ...report });
  return report;
}

function rescreenEvent(alertId: string, practiceId: string, items: readonly { registration: BookingRegistration; match: RescreenMatch }[]): AuditEvent {
  const bookings: AuditedBooking[] = items.map(({ registration, match }) => {
    const exact = registration.tokens.filter(({ kind }) => auditedKinds.has(kind));
    return {
      checkId: match.checkId,
      tokenKinds: exact.map(({ kind }) => kind),
      tokenDigests: exact.map(({ token }) => checkTokenDigest(match.checkId, token)),
      result: 'match',
      confidence: match.confidence,
    };
  });
  return {
    action: 'booking.rescreened',
    actor: systemActor('rescreen'),
    targets: { alertId, practiceId },
    outcome: 'success',
    bookings,
    detail: { bookings: items.length, matches: items.length, registeredChecks: items.map(({ registration }) => registration.checkId).join(',') },
  };
}

function rescreenNotice(registration: BookingRegistration, match: RescreenMatch): Notification {
  return {
    topic: 'practices',
    type: 'booking.rescreen_matched',
    practiceId: registration.practiceId,
    ref: registration.ref,
    appointmentOn: registration.appointmentOn,
    checkId: match.checkId,
    confidence: match.confidence,
    category: match.category,
    severity: match.severity,
    at: match.matchedAt,
  };
}

/**
 * What subscribes the re-screen to the practices topic: in AWS an SNS subscription of the
 * rescreen function (functions/rescreener.ts), locally this wrapper of the local notifier. Each
 * message that publishes or reinstates an alert starts its re-screen after it was sent, without
 * the request that published it waiting.
 */
export function subscribeRescreen(deps: Deps): Deps {
  const wired: Deps = {
    ...deps,
    notifier: {
      publish: async (notification) => {
        await deps.notifier.publish(notification);
        if (notification.topic !== 'practices' || !rescreenTriggers.has(notification.type) || !('alertId' in notification)) return;
        const alertId = notification.alertId;
        setImmediate(() => {
          rescreenAlert(wired, alertId).catch((error: unknown) => deps.logger.error('re-screen failed', { alertId, errorName: errorName(error) }));
        });
      },
    },
  };
  return wired;
}
