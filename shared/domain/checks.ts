import type { Deps } from '../deps.ts';
import { isoInstant } from '../dates.ts';
import { errorName, ForbiddenError, TooManyRequestsError } from '../errors.ts';
import { newId } from '../ids.ts';
import { auditActor } from '../audit/events.ts';
import { checkTokenDigest } from '../audit/check-tokens.ts';
import { lookupTokens, strongKinds, tokenKinds, type SubjectToken, type TokenKind } from '../identifiers/tokens.ts';
import type { AuditedBooking, IndexedAlert, Principal, Severity } from '../records.ts';
import type { CheckRequest } from '../schemas.ts';
import { notifySafely } from './notify.ts';

export type CheckResult =
  | { checkId: string; result: 'no_match' }
  | {
      checkId: string;
      result: 'match';
      confidence: 'strong' | 'possible';
      matchedOn: TokenKind[];
      alerts: { category: IndexedAlert['category']; severity: Severity; publishedOn: string }[];
      reportingPractices: number;
      guidance: string;
    };

export type BatchBooking = CheckRequest & { ref: string };

const severityRank: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

export const guidance = {
  strong:
    'Another participating practice reported a safety incident with a client whose identifiers match this booking, and peer review upheld it. Do not book this client for one-to-one care without speaking to your practice owner first. Do not tell the client about this result.',
  possible:
    'Only the name matched, which many people share. Confirm the client\'s phone, e-mail or date of birth and check again before deciding; do not treat this as a match on its own, and do not tell the client about this result.',
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
 * The screening core. Tokens for every booking are computed concurrently and looked up together
 * (one BatchGetItem per 100 distinct tokens). The answers are released only once the practice's
 * quota has counted the bookings and the audit log holds the check, in one transaction: a
 * refused request (429) reveals nothing and leaves no count and no entry.
 */
async function screen(deps: Deps, practice: Principal, bookings: readonly (CheckRequest & { ref?: string })[]): Promise<CheckResult[]> {
  if (!practice.practiceId) throw new ForbiddenError('This API key belongs to no practice.');
  const practiceId = practice.practiceId;
  const now = deps.clock();
  const tokensPerBooking = await Promise.all(bookings.map((booking) => lookupTokens(deps.keyring, booking.subject, deps.settings.phoneRegion)));
  const index = await deps.tokenIndex.lookup(tokensPerBooking.flat().map(({ token }) => token));
  const results = tokensPerBooking.map((tokens) => evaluate(tokens, index, now));

  const audited: AuditedBooking[] = results.map((result, i) => ({
    checkId: result.checkId,
    tokenKinds: tokensPerBooking[i]!.map(({ kind }) => kind),
    tokenDigests: tokensPerBooking[i]!.map(({ token }) => checkTokenDigest(result.checkId, token)),
    result: result.result,
    confidence: result.result === 'match' ? result.confidence : undefined,
  }));
  const quota = await deps.ledger.record(practiceId, bookings.length, deps.settings.screening, {
    events: [
      {
        action: 'check.performed',
        actor: auditActor(practice),
        targets: { practiceId, ...(bookings.length === 1 ? { checkId: results[0]!.checkId } : {}) },
        outcome: 'success',
        bookings: audited,
        detail: { bookings: bookings.length, matches: results.filter((result) => result.result === 'match').length },
      },
    ],
    now,
  });
  if (!quota.ok) {
    await reportRefusal(deps, practiceId, quota.window, now);
    const limit = quota.window === 'minute' ? deps.settings.screening.perMinute : deps.settings.screening.perDay;
    throw new TooManyRequestsError(
      `Your practice has used its screening quota of ${limit} bookings per ${quota.window}${bookings.length > 1 ? ` (this batch has ${bookings.length})` : ''}; retry after ${quota.retryAfterSeconds} seconds.`,
      quota.retryAfterSeconds,
    );
  }
  const nameOnlyMisses = audited.filter((booking) => booking.result === 'no_match' && !booking.tokenKinds.some((kind) => strongKinds.has(kind))).length;
  if (nameOnlyMisses > 0) await watchForEnumeration(deps, practiceId, nameOnlyMisses, now);
  return results;
}

function evaluate(tokens: readonly SubjectToken[], index: Map<string, IndexedAlert[]>, now: Date): CheckResult {
  const checkId = newId('chk', now);
  const matchedOn = new Set<TokenKind>();
  const alerts = new Map<string, IndexedAlert>();
  for (const { kind, token } of tokens) {
    const live = (index.get(token) ?? []).filter((entry) => Date.parse(entry.expiresAt) > now.getTime());
    if (live.length === 0) continue;
    matchedOn.add(kind);
    for (const entry of live) alerts.set(entry.alertId, entry);
  }
  if (alerts.size === 0) return { checkId, result: 'no_match' };

  const confidence = [...matchedOn].some((kind) => strongKinds.has(kind)) ? 'strong' : 'possible';
  const sorted = [...alerts.values()].sort(
    (a, b) => severityRank[a.severity] - severityRank[b.severity] || b.publishedOn.localeCompare(a.publishedOn),
  );
  return {
    checkId,
    result: 'match',
    confidence,
    matchedOn: tokenKinds.filter((kind) => matchedOn.has(kind)),
    alerts: sorted.map(({ category, severity, publishedOn }) => ({ category, severity, publishedOn })),
    reportingPractices: new Set(sorted.map((entry) => entry.practiceId)).size,
    guidance: guidance[confidence],
  };
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
