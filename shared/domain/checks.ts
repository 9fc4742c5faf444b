import type { Deps } from '../deps.ts';
import { newId } from '../ids.ts';
import { computeTokens, strongKinds, tokenKinds, type TokenKind } from '../identifiers/tokens.ts';
import type { IndexedAlert, Principal, Severity } from '../ports.ts';
import type { CheckRequest } from '../schemas.ts';

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
export async function checkBooking(deps: Deps, _practice: Principal, request: CheckRequest): Promise<CheckResult> {
  const now = deps.clock();
  const checkId = newId('chk', now);
  const tokens = await computeTokens(deps.keyring, request.subject, deps.settings.phoneRegion);
  const index = await deps.tokenIndex.lookup(tokens.map(({ token }) => token));

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
