import type { Deps } from '../deps.ts';
import { isoDate, isoInstant } from '../dates.ts';
import { errorName, ForbiddenError, TooManyRequestsError } from '../errors.ts';
import { newId } from '../ids.ts';
import { auditActor } from '../audit/events.ts';
import { lookupTokens, strongKinds, tokenKinds, type SubjectToken, type TokenKind } from '../identifiers/tokens.ts';
import type { AuditedBooking, IndexedAlert, Principal, Severity } from '../records.ts';
import type { QuotaOutcome, Settlement } from '../ports.ts';
import type { CheckRequest } from '../schemas.ts';
import { notifySafely } from './notify.ts';

export type CheckResult =
  | { checkId: string; result: 'no_match' }
  | {
      checkId: string;
      result: 'match';
      confidence: 'strong';
      matchedOn: TokenKind[];
      alerts: { category: IndexedAlert['category']; severity: Severity; publishedOn: string }[];
      reportingPractices: number;
      guidance: string;
    }
  | {
      /** Only the name matched: which alert, what happened and when stay unsaid (see evaluate). */
      checkId: string;
      result: 'match';
      confidence: 'possible';
      matchedOn: ['name'];
      alerts: [];
      guidance: string;
    };

export type BatchBooking = CheckRequest & { ref: string };

const severityRank: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

export const guidance = {
  strong:
    'Another participating practice reported a safety incident with a client whose identifiers match this booking, and peer review upheld it. Do not book this client for one-to-one care without speaking to your practice owner first. Do not tell the client about this result.',
  possible:
    'Only the name matched a published alert, and many people share a name, so nothing more about that alert is shown. Confirm the client\'s phone, e-mail or date of birth and check again before deciding; do not treat this as a match on its own, and do not tell the client about this result.',
} as const;

/**
 * Screens one booking: the same tokens as at submission are computed and looked up. The answer
 * says match or not, how strong, and the categories and severities, never who reported and never
 * an identifier. Only published, unexpired alerts are in play.
 */
export async function checkBooking(deps: Deps, practice: Principal, request: CheckRequest): Promise<CheckResult> {
  const [result] = await screen(deps, practice, [request]);
  return result!;
}

/** Screens up to 100 bookings as one request: one result per booking, in input order, each with its ref. */
export async function checkBatch(deps: Deps, practice: Principal, bookings: readonly BatchBooking[]): Promise<{ results: (CheckResult & { ref: string })[] }> {
  const results = await screen(deps, practice, bookings);
  return { results: results.map((result, i) => ({ ref: bookings[i]!.ref, ...result })) };
}

/**
 * The screening core. Refuse before paying: the practice's quota is reserved before any token is
 * computed (each token is a paid KMS request in AWS), so a practice over its quota, or slowed
 * down after spending its guess budget, costs the network nothing. Then the tokens of every
 * booking are computed concurrently and looked up together (one BatchGetItem per 100 distinct
 * tokens), and the answers are released only once the audit log holds the check and its guesses
 * are counted, in one transaction. A refused request (429) reveals nothing and leaves no count
 * and no entry; a check that fails after its reservation gives the reservation back.
 */
async function screen(deps: Deps, practice: Principal, bookings: readonly (CheckRequest & { ref?: string })[]): Promise<CheckResult[]> {
  if (!practice.practiceId) throw new ForbiddenError('This API key belongs to no practice.');
  const practiceId = practice.practiceId;
  const now = deps.clock();
  const policy = { quota: deps.settings.screening, guesses: deps.settings.guessBudget };
  const quota = await deps.ledger.reserve(practiceId, bookings.length, policy, now);
  if (!quota.ok) {
    await reportRefusal(deps, practiceId, quota, now);
    throw new TooManyRequestsError(refusalDetail(deps, quota, bookings.length), quota.retryAfterSeconds);
  }
  let results: CheckResult[];
  let settlement: Settlement;
  try {
    const tokensPerBooking = await Promise.all(bookings.map((booking) => lookupTokens(deps.keyring, booking.subject, deps.settings.phoneRegion)));
    const index = await deps.tokenIndex.lookup(tokensPerBooking.flat().map(({ token }) => token));
    results = tokensPerBooking.map((tokens) => evaluate(tokens, index, now));
    settlement = await deps.ledger.settle(quota.reservation, results.filter(isGuess).length, policy, {
      events: [
        {
          action: 'check.performed',
          actor: auditActor(practice),
          targets: { practiceId, ...(bookings.length === 1 ? { checkId: results[0]!.checkId } : {}) },
          outcome: 'success',
          bookings: auditedBookings(results, tokensPerBooking),
          detail: { bookings: bookings.length, matches: results.filter((result) => result.result === 'match').length },
        },
      ],
      now,
    });
  } catch (error) {
    await deps.ledger.release(quota.reservation).catch((releaseError: unknown) =>
      deps.logger.warn('quota reservation not released', { practiceId, errorName: errorName(releaseError) }),
    );
    throw error;
  }
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
  return results;
}

/**
 * A guess is a booking answered without a strong match: a miss, whatever the booking carried, or
 * a name-only `possible` (which is also what every wrong date of birth tried against a flagged
 * name answers). Only a strong match, which needs the person's real phone, e-mail or name and
 * date of birth, is not one.
 */
const isGuess = (result: CheckResult) => !(result.result === 'match' && result.confidence === 'strong');

/** What the audit entry records of each booking: never an identifier. */
function auditedBookings(results: readonly CheckResult[], tokensPerBooking: readonly SubjectToken[][]): AuditedBooking[] {
  return results.map((result, i) => ({
    checkId: result.checkId,
    tokenKinds: tokensPerBooking[i]!.map(({ kind }) => kind),
    tokens: tokensPerBooking[i]!.map(({ token }) => token),
    result: result.result,
    confidence: result.result === 'match' ? result.confidence : undefined,
  }));
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

/**
 * A strong match names the categories, severities and publication dates of the alerts its strong
 * identifiers (phone, e-mail, name with date of birth) matched, and how many practices reported
 * them. A `possible` match (the name alone) says only that: a name is shared by many people, so
 * telling a front desk what a namesake was reported for, and when, would put an innocent person
 * under suspicion, and would hand whoever tries names the category and date of every flagged
 * person they hit. An alert that matched only by name is never listed under a strong answer either.
 */
function evaluate(tokens: readonly SubjectToken[], index: Map<string, IndexedAlert[]>, now: Date): CheckResult {
  const checkId = newId('chk', now);
  const matches = new Map<string, { entry: IndexedAlert; kinds: Set<TokenKind> }>();
  for (const { kind, token } of tokens) {
    for (const entry of index.get(token) ?? []) {
      if (Date.parse(entry.expiresAt) <= now.getTime()) continue;
      const match = matches.get(entry.alertId) ?? { entry, kinds: new Set<TokenKind>() };
      match.kinds.add(kind);
      matches.set(entry.alertId, match);
    }
  }
  if (matches.size === 0) return { checkId, result: 'no_match' };
  const strong = [...matches.values()].filter(({ kinds }) => [...kinds].some((kind) => strongKinds.has(kind)));
  if (strong.length === 0) return { checkId, result: 'match', confidence: 'possible', matchedOn: ['name'], alerts: [], guidance: guidance.possible };

  const sorted = strong.map(({ entry }) => entry).sort(
    (a, b) => severityRank[a.severity] - severityRank[b.severity] || b.publishedOn.localeCompare(a.publishedOn),
  );
  return {
    checkId,
    result: 'match',
    confidence: 'strong',
    matchedOn: tokenKinds.filter((kind) => strong.some(({ kinds }) => kinds.has(kind))),
    alerts: sorted.map(({ category, severity, publishedOn }) => ({ category, severity, publishedOn })),
    reportingPractices: new Set(sorted.map((entry) => entry.practiceId)).size,
    guidance: guidance.strong,
  };
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
