import type { Deps } from '../deps.ts';
import { isoDate, isoInstant } from '../dates.ts';
import { errorName, ForbiddenError, TooManyRequestsError } from '../errors.ts';
import { newId } from '../ids.ts';
import { auditActor } from '../audit/events.ts';
import { checkTokenDigest } from '../audit/check-tokens.ts';
import { lookupTokens, type SubjectToken } from '../identifiers/tokens.ts';
import { auditedKinds, dobAnchoredKinds, strongKinds, tokenKinds, type TokenKind } from '../identifiers/token-kinds.ts';
import type { AuditActor, AuditedBooking, IndexedAlert, Principal, Severity } from '../records.ts';
import type { QuotaOutcome, Settlement } from '../ports.ts';
import type { CheckRequest } from '../schemas.ts';
import { notifySafely } from './notify.ts';
import { countAlertMatches } from './match-digest.ts';
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
    "The booking is close to, but not exactly, a client another practice reported (a similar name, a nickname, a typing error, or a date of birth one digit apart). Confirm the client's phone, e-mail or date of birth and check again before deciding; do not treat this as a match on its own, and do not tell the client about this result.",
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
 * The screening core. Refuse before paying: the practice's quota is consulted before any token is
 * computed (each token is a paid KMS request in AWS), so a practice over its quota, or slowed
 * down after spending its guess budget, costs the network nothing (the ledger counts the bookings
 * at once when the practice is near its limits, or in the settlement when it is far from them and
 * then refuses there, unanswered, a check that other processes left no room for). Then the tokens of every
 * booking are computed concurrently and looked up together (one BatchGetItem per 100 distinct
 * tokens), and the answers are released only once the audit log holds the check and its guesses
 * are counted, in one transaction (the same writes for a hit and a miss, so the time an answer
 * takes does not tell which it was). A refused request (429) reveals nothing and leaves no count
 * and no entry; a check that fails after its reservation gives the reservation back.
 */
async function screen(deps: Deps, screener: Screener, bookings: readonly (CheckRequest & { ref?: string })[]): Promise<CheckResult[]> {
  const { practiceId } = screener;
  const now = deps.clock();
  const policy = { quota: deps.settings.screening, guesses: deps.settings.guessBudget };
  const quota = await deps.ledger.reserve(practiceId, bookings.length, policy, now);
  if (!quota.ok) return refuse(deps, practiceId, quota, bookings.length, now);
  let results: CheckResult[];
  let settlement: Settlement;
  let matchedAlertIds: string[] = [];
  try {
    const tokensPerBooking = await Promise.all(bookings.map((booking) => lookupTokens(deps.keyring, booking.subject, deps.settings.phoneRegion)));
    const index = await deps.tokenIndex.lookup(tokensPerBooking.flat().map(({ token }) => token));
    matchedAlertIds = tokensPerBooking.flatMap((tokens) => matchAlerts(tokens, index, now).map(({ alert }) => alert.alertId));
    const evaluated = tokensPerBooking.map((tokens) => evaluate(tokens, index, now));
    results = evaluated.map(({ result }) => result);
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
    settlement = await deps.ledger.settle(quota.reservation, { guesses: results.filter(isGuess).length, matches, tally }, policy, {
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
    });
  } catch (error) {
    await deps.ledger
      .release(quota.reservation)
      .catch((releaseError: unknown) => deps.logger.warn('quota reservation not released', { practiceId, errorName: errorName(releaseError) }));
    throw error;
  }
  // Counted only at settlement, and other processes used the quota up meanwhile: nothing was counted or audited.
  if (settlement.refused) return refuse(deps, practiceId, settlement.refused, bookings.length, now);
  if (settlement.budgetSpent) {
    await notifySafely(deps, {
      topic: 'security',
      type: 'screening.possible_enumeration',
      practiceId,
      budget: deps.settings.guessBudget.perDay,
      day: isoDate(now),
      slowedUntil: settlement.budgetSpent.slowedUntil,
      at: isoInstant(now),
    });
  }
  // The reporters' digests count which alerts matched, without the answer waiting (match-digest.ts).
  countAlertMatches(deps, matchedAlertIds, now);
  return results;
}

/**
 * A guess is a booking answered without a strong match: a miss, whatever the booking carried (a
 * guessed name with a random phone or date of birth attached is still a guess), or a `possible`
 * match (a similar name, a nickname, a date of birth one digit apart: what every wrong date of
 * birth tried against a flagged name answers). Only a strong match, which needs the person's real
 * phone, e-mail, or name with date of birth, is not one.
 */
const isGuess = (result: CheckResult) => !(result.result === 'match' && result.confidence === 'strong');

/** A 429: the security topic hears of it once per window, and the answer says when to retry. */
async function refuse(deps: Deps, practiceId: string, refusal: Extract<QuotaOutcome, { ok: false }>, bookings: number, now: Date): Promise<never> {
  await reportRefusal(deps, practiceId, refusal, now);
  throw new TooManyRequestsError(refusalDetail(deps, refusal, bookings), refusal.retryAfterSeconds);
}

function refusalDetail(deps: Deps, refusal: Extract<QuotaOutcome, { ok: false }>, bookings: number): string {
  const limits = refusal.slowed ? deps.settings.guessBudget.slowed : deps.settings.screening;
  const limit = refusal.window === 'minute' ? limits.perMinute : limits.perDay;
  const batch = bookings > 1 ? ` (this batch has ${bookings})` : '';
  const retry = `retry after ${refusal.retryAfterSeconds} seconds`;
  return refusal.slowed
    ? `Your practice's screening is reduced to ${limit} bookings per ${refusal.window}${batch} for a day, because it screened more bookings without a strong match than the network allows in a day; ${retry}, or ask the network operator.`
    : `Your practice has used its screening quota of ${limit} bookings per ${refusal.window}${batch}; ${retry}.`;
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
export function matchAlerts(
  tokens: readonly SubjectToken[],
  index: ReadonlyMap<string, readonly IndexedAlert[]>,
  now: Date,
): { alert: IndexedAlert; kinds: Set<TokenKind> }[] {
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
 * It is, although on the evaluation population a stranger's name alone matched an alerted
 * client's for a quarter of name-only bookings (docs/matching.md): a miss costs more than asking,
 * and the guidance tells the desk to ask for a phone, e-mail or date of birth and check again
 * (with a date of birth, another person of the same name is no match). It never gives `strong`.
 */
const nameOnlyEarnsPossible = true;

/** A booking's answer, and the ids of the alerts it matched at the answer's tier (for the statistics only). */
function evaluate(
  tokens: readonly SubjectToken[],
  index: ReadonlyMap<string, readonly IndexedAlert[]>,
  now: Date,
): { result: CheckResult; alertIds: string[] } {
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
    alerts: alerts.map(({ entry, confidence, matchedOn }) => ({
      category: entry.category,
      severity: entry.severity,
      publishedOn: entry.publishedOn,
      confidence,
      matchedOn,
    })),
    reportingPractices: new Set(alerts.map(({ entry }) => entry.practiceId)).size,
    guidance: guidance[confidence],
  };
  return { result, alertIds: alerts.filter((alert) => alert.confidence === confidence).map(({ entry }) => entry.alertId) };
}

/** The security topic hears of a practice over its quota once per window, not once per refused request. */
async function reportRefusal(deps: Deps, practiceId: string, refusal: Extract<QuotaOutcome, { ok: false }>, now: Date): Promise<void> {
  const { window } = refusal;
  const windowKey = window === 'minute' ? `minute#${now.toISOString().slice(0, 16)}` : `day#${now.toISOString().slice(0, 10)}`;
  try {
    if (!(await deps.ledger.claimRefusalNotice(practiceId, windowKey))) return;
  } catch (error) {
    deps.logger.warn('quota notice bookkeeping failed', { practiceId, errorName: errorName(error) });
    return;
  }
  const limits = refusal.slowed ? deps.settings.guessBudget.slowed : deps.settings.screening;
  const limit = window === 'minute' ? limits.perMinute : limits.perDay;
  await notifySafely(deps, { topic: 'security', type: 'screening.quota_exceeded', practiceId, window, limit, at: isoInstant(now) });
}
