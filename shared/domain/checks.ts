import type { Deps } from '../deps.ts';
import { isoInstant } from '../dates.ts';
import { errorName, ForbiddenError, TooManyRequestsError } from '../errors.ts';
import { newId } from '../ids.ts';
import { auditActor } from '../audit/events.ts';
import { checkTokenDigest } from '../audit/check-tokens.ts';
import { lookupTokens, type SubjectToken } from '../identifiers/tokens.ts';
import { auditedKinds, dobAnchoredKinds, strongKinds, tokenKinds, type TokenKind } from '../identifiers/token-kinds.ts';
import type { AuditActor, AuditedBooking, IndexedAlert, Principal, Severity } from '../records.ts';
import type { CheckRequest } from '../schemas.ts';
import { notifySafely } from './notify.ts';
import type { ScreeningTally } from '../stats/counters.ts';

export type CheckResult =
  | { checkId: string; result: 'no_match' }
  | {
      checkId: string;
      result: 'match';
      confidence: 'strong' | 'possible';
      matchedOn: TokenKind[];
      alerts: MatchedAlert[];
      reportingPractices: number;
      guidance: string;
    };

/** One alert in a match: what happened, and how sure the match to this booking is. */
export interface MatchedAlert {
  category: IndexedAlert['category'];
  severity: Severity;
  publishedOn: string;
  confidence: 'strong' | 'possible';
  matchedOn: TokenKind[];
}

export type BatchBooking = CheckRequest & { ref: string };

const severityRank: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

export const guidance = {
  strong:
    'Another participating practice reported a safety incident with a client whose identifiers match this booking, and peer review upheld it. Do not book this client for one-to-one care without speaking to your practice owner first. Do not tell the client about this result.',
  possible:
    'The booking is close to, but not exactly, a client another practice reported (a similar name, a nickname, a typing error, or a date of birth one digit apart). Confirm the client\'s phone, e-mail or date of birth and check again before deciding; do not treat this as a match on its own, and do not tell the client about this result.',
} as const;

/**
 * Screens one booking: the same tokens as at submission are computed and looked up. The answer
 * says match or not, how strong, and the categories and severities, never who reported and never
 * an identifier. Only published, unexpired alerts are in play.
 */
export async function checkBooking(deps: Deps, practice: Principal, request: CheckRequest): Promise<CheckResult> {
  const [result] = await screen(deps, screenerOf(practice), [request]);
  return result!;
}

/** Screens up to 100 bookings as one request: one result per booking, in input order, each with its ref. */
export async function checkBatch(deps: Deps, practice: Principal, bookings: readonly BatchBooking[]): Promise<{ results: (CheckResult & { ref: string })[] }> {
  const results = await screen(deps, screenerOf(practice), bookings);
  return { results: results.map((result, i) => ({ ref: bookings[i]!.ref, ...result })) };
}

/** Who screens: the practice whose quota counts the bookings, and who the audit log records as acting. */
export interface Screener {
  readonly practiceId: string;
  readonly actor: AuditActor;
  /** Extra facts for the check's audit entry (the booking software that asked, its trigger). */
  readonly detail?: Readonly<Record<string, string | number | boolean>>;
}

function screenerOf(practice: Principal): Screener {
  if (!practice.practiceId) throw new ForbiddenError('This API key belongs to no practice.');
  return { practiceId: practice.practiceId, actor: auditActor(practice) };
}

/**
 * Screens bookings that did not come with an API key (a booking platform's signed webhook) exactly
 * as POST /v1/checks/batch does: same tokens, same quota, same audit entry.
 */
export const screenBookings = (deps: Deps, screener: Screener, bookings: readonly CheckRequest[]): Promise<CheckResult[]> => screen(deps, screener, bookings);

/**
 * The screening core. Tokens for every booking are computed concurrently and looked up together
 * (one BatchGetItem per 100 distinct tokens). The answers are released only once the practice's
 * quota has counted the bookings and the audit log holds the check, in one transaction: a
 * refused request (429) reveals nothing and leaves no count and no entry.
 */
async function screen(deps: Deps, screener: Screener, bookings: readonly (CheckRequest & { ref?: string })[]): Promise<CheckResult[]> {
  const { practiceId } = screener;
  const now = deps.clock();
  const tokensPerBooking = await Promise.all(bookings.map((booking) => lookupTokens(deps.keyring, booking.subject, deps.settings.phoneRegion)));
  const index = await deps.tokenIndex.lookup(tokensPerBooking.flat().map(({ token }) => token));
  const evaluated = tokensPerBooking.map((tokens) => evaluate(tokens, index, now));
  const results = evaluated.map(({ result }) => result);

  const audited: AuditedBooking[] = results.map((result, i) => ({
    checkId: result.checkId,
    ...auditedTokens(result.checkId, tokensPerBooking[i]!),
    result: result.result,
    confidence: result.result === 'match' ? result.confidence : undefined,
  }));
  const matches = results.filter((result) => result.result === 'match').length;
  // The statistics' match figures: which alerts each matched booking found, by its tier (never leaves the counters as ids).
  const tally: ScreeningTally = {
    bookings: bookings.length,
    strongAlertIds: evaluated.filter(({ result }) => result.result === 'match' && result.confidence === 'strong').map(({ alertIds }) => alertIds),
    possibleAlertIds: evaluated.filter(({ result }) => result.result === 'match' && result.confidence === 'possible').map(({ alertIds }) => alertIds),
  };
  const quota = await deps.ledger.record(practiceId, bookings.length, deps.settings.screening, {
    events: [
      {
        action: 'check.performed',
        actor: screener.actor,
        targets: { practiceId, ...(bookings.length === 1 ? { checkId: results[0]!.checkId } : {}) },
        outcome: 'success',
        bookings: audited,
        detail: { ...screener.detail, bookings: bookings.length, matches },
      },
    ],
    now,
  }, tally);
  if (!quota.ok) {
    await reportRefusal(deps, practiceId, quota.window, now);
    const limit = quota.window === 'minute' ? deps.settings.screening.perMinute : deps.settings.screening.perDay;
    throw new TooManyRequestsError(
      `Your practice has used its screening quota of ${limit} bookings per ${quota.window}${bookings.length > 1 ? ` (this batch has ${bookings.length})` : ''}; retry after ${quota.retryAfterSeconds} seconds.`,
      quota.retryAfterSeconds,
    );
  }
  // A name-based guess: a booking without a phone or e-mail (a name, with or without a date of
  // birth) that found nothing or only a possible match — a tolerant recipe makes each such guess
  // cover many spellings and dates, so every one counts.
  const nameGuesses = audited.filter(
    (booking) => (booking.result === 'no_match' || booking.confidence === 'possible') && !booking.tokenKinds.some((kind) => kind === 'phone' || kind === 'email'),
  ).length;
  if (nameGuesses > 0) await watchForEnumeration(deps, practiceId, nameGuesses, now);
  return results;
}

/** The exact recipes' tokens, as the audit log keeps them (the tolerant recipes' variants are many and say nothing more). */
function auditedTokens(checkId: string, tokens: readonly SubjectToken[]): Pick<AuditedBooking, 'tokenKinds' | 'tokenDigests'> {
  const exact = tokens.filter(({ kind }) => auditedKinds.has(kind));
  // Per-check digests, never the tokens: one client's checks do not link (shared/audit/check-tokens.ts).
  return { tokenKinds: exact.map(({ kind }) => kind), tokenDigests: exact.map(({ token }) => checkTokenDigest(checkId, token)) };
}

/**
 * The alerts a booking's tokens found, each with the recipes that found it. An alert found only by
 * the name, when both the booking and the alert carry a date of birth and no recipe anchored on it
 * agreed, is another person of the same name and is left out: an answer lists only the matched
 * person's alerts.
 */
export function matchAlerts(tokens: readonly SubjectToken[], index: ReadonlyMap<string, readonly IndexedAlert[]>, now: Date): { alert: IndexedAlert; kinds: Set<TokenKind> }[] {
  const bookingHasDob = tokens.some(({ kind }) => dobAnchoredKinds.has(kind));
  const found = new Map<string, { alert: IndexedAlert; kinds: Set<TokenKind> }>();
  for (const { kind, token } of tokens) {
    for (const entry of index.get(token) ?? []) {
      if (Date.parse(entry.expiresAt) <= now.getTime()) continue;
      const hit = found.get(entry.alertId) ?? { alert: entry, kinds: new Set<TokenKind>() };
      hit.kinds.add(kind);
      found.set(entry.alertId, hit);
    }
  }
  return [...found.values()].filter(({ alert, kinds }) => {
    if (!nameOnlyEarnsPossible && [...kinds].every((kind) => kind === 'name')) return false;
    const dobDisagrees = bookingHasDob && alert.hasDob === true && ![...kinds].some((kind) => dobAnchoredKinds.has(kind));
    return !(dobDisagrees && [...kinds].every((kind) => kind === 'name'));
  });
}

/**
 * Whether a name alone (no date of birth, phone or e-mail in common) is a `possible` match.
 * It is: on the evaluation population a name alone is shared by another person for about one
 * name-only booking in ten thousand (docs/matching.md), and a desk that has only a name should
 * be told to ask for more. It never gives `strong`.
 */
const nameOnlyEarnsPossible = true;

/** A booking's answer, and the ids of the alerts it matched at the answer's tier (for the statistics only). */
function evaluate(tokens: readonly SubjectToken[], index: ReadonlyMap<string, readonly IndexedAlert[]>, now: Date): { result: CheckResult; alertIds: string[] } {
  const checkId = newId('chk', now);
  const matched = matchAlerts(tokens, index, now);
  if (matched.length === 0) return { result: { checkId, result: 'no_match' }, alertIds: [] };

  const alerts = matched
    .map(({ alert, kinds }) => ({
      entry: alert,
      confidence: [...kinds].some((kind) => strongKinds.has(kind)) ? ('strong' as const) : ('possible' as const),
      matchedOn: tokenKinds.filter((kind) => kinds.has(kind)),
    }))
    .sort(
      (a, b) =>
        Number(a.confidence === 'possible') - Number(b.confidence === 'possible') ||
        severityRank[a.entry.severity] - severityRank[b.entry.severity] ||
        b.entry.publishedOn.localeCompare(a.entry.publishedOn),
    );
  const confidence = alerts[0]!.confidence;
  const matchedOn = new Set(alerts.flatMap((alert) => alert.matchedOn));
  const result: CheckResult = {
    checkId,
    result: 'match',
    confidence,
    matchedOn: tokenKinds.filter((kind) => matchedOn.has(kind)),
    alerts: alerts.map(({ entry, confidence, matchedOn }) => ({ category: entry.category, severity: entry.severity, publishedOn: entry.publishedOn, confidence, matchedOn })),
    reportingPractices: new Set(alerts.map(({ entry }) => entry.practiceId)).size,
    guidance: guidance[confidence],
  };
  return { result, alertIds: alerts.filter((alert) => alert.confidence === confidence).map(({ entry }) => entry.alertId) };
}

/** The security topic hears of a practice over its quota once per window, not once per refused request. */
async function reportRefusal(deps: Deps, practiceId: string, window: 'minute' | 'day', now: Date): Promise<void> {
  const windowKey = window === 'minute' ? `minute#${now.toISOString().slice(0, 16)}` : `day#${now.toISOString().slice(0, 10)}`;
  try {
    if (!(await deps.ledger.claimRefusalNotice(practiceId, windowKey))) return;
  } catch (error) {
    deps.logger.warn('quota notice bookkeeping failed', { practiceId, errorName: errorName(error) });
    return;
  }
  const limit = window === 'minute' ? deps.settings.screening.perMinute : deps.settings.screening.perDay;
  await notifySafely(deps, { topic: 'security', type: 'screening.quota_exceeded', practiceId, window, limit, at: isoInstant(now) });
}

/**
 * Enumeration shows as many name-only checks that find nothing: someone trying names to learn
 * who is flagged. Each practice's count per clock hour is kept; crossing the threshold tells the
 * security topic once for that hour. It never blocks a check (the quota does that).
 */
async function watchForEnumeration(deps: Deps, practiceId: string, misses: number, now: Date): Promise<void> {
  const windowStart = `${now.toISOString().slice(0, 13)}:00:00Z`;
  const threshold = deps.settings.nameOnlyMissesPerHour;
  try {
    const total = await deps.ledger.addNameOnlyMisses(practiceId, windowStart, misses);
    if (total < threshold || total - misses >= threshold) return;
    await notifySafely(deps, { topic: 'security', type: 'screening.possible_enumeration', practiceId, nameOnlyNoMatch: total, windowStart, at: isoInstant(now) });
  } catch (error) {
    deps.logger.warn('enumeration watch bookkeeping failed', { practiceId, errorName: errorName(error) });
  }
}
