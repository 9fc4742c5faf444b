import type { Deps } from '../deps.ts';
import { addDays, isoInstant } from '../dates.ts';
import { canonicalJson, sha256Hex } from '../canonical.ts';
import type { AlertRecord, IndexedAlert } from '../records.ts';
import { signStatement } from './signing.ts';
import { dobAnchoredKinds } from '../identifiers/token-kinds.ts';

/** What the network's publication signature covers (verifiable with the public key alone). */
export function publicationStatement(alert: AlertRecord): Record<string, unknown> {
  return {
    type: 'peerguard.alert.publication.v1',
    alertId: alert.alertId,
    practiceId: alert.practiceId,
    category: alert.incident.category,
    severity: alert.incident.severity,
    tokens: alert.tokens,
    consent: alert.consent,
    receiptContentSha256: alert.receipt.contentSha256,
    approvals: alert.reviews
      .filter((review) => review.decision === 'approve')
      .map((review) => ({ practiceId: review.reviewerPracticeId, decidedAt: review.decidedAt })),
    publishedAt: alert.publishedAt,
    expiresAt: alert.expiresAt,
  };
}

/**
 * The alert as published at `now`, signed: on first publication it gets publishedAt; its expiry
 * is a full period from now (a re-confirmation renews it, never shortening it).
 */
export async function publishedAlert(deps: Pick<Deps, 'signer' | 'settings'>, alert: AlertRecord, now: Date): Promise<AlertRecord> {
  const renewedTo = isoInstant(addDays(now, deps.settings.alertTtlDays));
  const publishedAt = alert.publishedAt ?? isoInstant(now);
  const expiresAt = alert.expiresAt !== undefined && alert.expiresAt > renewedTo ? alert.expiresAt : renewedTo;
  const statement = publicationStatement({ ...alert, publishedAt, expiresAt });
  const signed = await signStatement(deps.signer, statement);
  return { ...alert, publishedAt, expiresAt, publication: { contentSha256: sha256Hex(canonicalJson(statement)), ...signed } };
}

/** What a token's index item holds for a published alert: enough to answer a check. */
export function indexEntry(alert: AlertRecord): IndexedAlert {
  if (!alert.publishedAt || !alert.expiresAt) throw new Error(`alert ${alert.alertId} has not been published`);
  return {
    alertId: alert.alertId,
    practiceId: alert.practiceId,
    category: alert.incident.category,
    severity: alert.incident.severity,
    publishedOn: alert.publishedAt.slice(0, 10),
    expiresAt: alert.expiresAt,
    hasDob: alert.tokens.some(({ kind }) => dobAnchoredKinds.has(kind)),
  };
}
