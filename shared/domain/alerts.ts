import type { Deps } from '../deps.ts';
import { canonicalJson, sha256Hex } from '../canonical.ts';
import { isoDate, isoInstant } from '../dates.ts';
import { ConflictError, ForbiddenError, ValidationError, type FieldError } from '../errors.ts';
import { newId } from '../ids.ts';
import { computeTokens } from '../identifiers/tokens.ts';
import { auditActor } from '../audit/events.ts';
import { contentDigest, newContentKey, receiptDigestScheme } from '../audit/receipt-digest.ts';
import type { AlertRecord, IdempotencyRecord, IssuedReceipt, Principal, Receipt } from '../records.ts';
import type { AlertSubmission } from '../schemas.ts';
import { alertView, readableAlert, summaryContext } from './alert-views.ts';
import { actionsTakenContext } from './free-text.ts';
import { notifySafely } from './notify.ts';
import { signStatement } from './signing.ts';

export interface SubmissionResponse {
  alertId: string;
  status: 'pending_review';
  receipt: IssuedReceipt;
}

/** What the idempotency record keeps of the answer: the receipt without its content key. */
type StoredResponse = Omit<SubmissionResponse, 'receipt'> & { receipt: Receipt };

/**
 * A practice submits an alert. The identifiers become tokens and are dropped; the summary is
 * encrypted; the consent proof must cite a published clause version with the matching hash.
 * The answer carries a receipt signed by the network over a keyed digest of the canonical JSON
 * of the body as submitted (`options.submitted`, the JSON as received): HMAC-SHA-256 under a
 * fresh content key that only this answer carries. The practice recomputes it from what it
 * sent and the key; anyone else who sees the digest (reviewers, admins, counsel) cannot test
 * guesses of the identifiers against it.
 */
export async function submitAlert(
  deps: Deps,
  submitter: Principal,
  body: AlertSubmission,
  options: { idempotencyKey?: string | undefined; submitted?: unknown } = {},
): Promise<SubmissionResponse> {
  // Kept as a digest for its 24 hours: the header is the caller's free text and may hold anything.
  const idempotencyKey = options.idempotencyKey === undefined ? undefined : sha256Hex(`idempotency-key|${options.idempotencyKey}`);
  const practiceId = requirePractice(submitter);
  const now = deps.clock();
  await assertConsentAndDates(deps, body, now);

  const tokens = await computeTokens(deps.keyring, body.subject, deps.settings.phoneRegion);
  // Same body ⇒ same fingerprint, computed without keeping any raw identifier.
  const fingerprint = sha256Hex(canonicalJson({ tokens, incident: body.incident, consent: body.consent }));
  if (idempotencyKey !== undefined) {
    const existing = await deps.alerts.getIdempotency(practiceId, idempotencyKey, now);
    if (existing) return replay(deps, existing, fingerprint);
  }

  const alertId = newId('alt', now);
  const submittedAt = isoInstant(now);
  // Digested as the practice sent it (before any trimming), so it can recompute the digest itself.
  const contentKey = newContentKey();
  const statement = { alertId, submittedAt, practiceId, contentSha256: contentDigest(contentKey, options.submitted ?? body) };
  const receipt: Receipt = { ...statement, digest: receiptDigestScheme, ...(await signStatement(deps.signer, statement)) };
  const { summary, actionsTaken, ...incident } = body.incident;
  const alert: AlertRecord = {
    alertId,
    practiceId,
    status: 'pending_review',
    submittedAt,
    tokens,
    incident:
      actionsTaken === undefined
        ? incident
        : { ...incident, actionsTakenCiphertext: await deps.cipher.encrypt(actionsTaken, actionsTakenContext({ alertId, practiceId })) },
    summaryCiphertext: await deps.cipher.encrypt(summary, summaryContext({ alertId, practiceId })),
    consent: body.consent,
    receipt,
    reviews: [],
    history: [{ at: submittedAt, action: 'submitted', status: 'pending_review', actorKeyId: submitter.keyId, actorRole: submitter.role }],
    version: 1,
  };
  const response: StoredResponse = { alertId, status: 'pending_review', receipt };
  const idempotency: IdempotencyRecord | undefined =
    idempotencyKey === undefined
      ? undefined
      : {
          practiceId,
          key: idempotencyKey,
          fingerprint,
          alertId,
          response,
          contentKeyCiphertext: await deps.cipher.encrypt(contentKey, contentKeyContext({ alertId, practiceId })),
          expiresAt: isoInstant(new Date(now.getTime() + deps.settings.idempotencyTtlHours * 3_600_000)),
        };

  const result = await deps.alerts.create(alert, idempotency, {
    events: [
      {
        action: 'alert.submitted',
        actor: auditActor(submitter),
        targets: { alertId, practiceId },
        outcome: 'pending_review',
        detail: {
          category: incident.category,
          severity: incident.severity,
          tokenKinds: tokens.map(({ kind }) => kind).join(','),
          contentSha256: receipt.contentSha256,
        },
      },
    ],
    now,
  });
  if (!result.created) return replay(deps, result.existing, fingerprint);

  await notifySafely(deps, { topic: 'reviewers', type: 'alert.awaiting_review', alertId, category: incident.category, severity: incident.severity });
  return { ...response, receipt: { ...receipt, contentKey } };
}

/** Binds a stored content key to its alert. */
const contentKeyContext = (alert: { alertId: string; practiceId: string }) => ({
  purpose: 'receipt-content-key',
  alertId: alert.alertId,
  practiceId: alert.practiceId,
});

/** The first answer again, with its content key decrypted (a record from before keyed digests has none to add). */
async function replay(deps: Pick<Deps, 'cipher'>, existing: IdempotencyRecord, fingerprint: string): Promise<SubmissionResponse> {
  if (existing.fingerprint !== fingerprint) {
    throw new ConflictError('This Idempotency-Key was already used with a different body in the last 24 hours; use a new key for a new alert.');
  }
  const response = existing.response as StoredResponse;
  if (existing.contentKeyCiphertext === undefined) return response as SubmissionResponse;
  const contentKey = await deps.cipher.decrypt(
    existing.contentKeyCiphertext,
    contentKeyContext({ alertId: existing.alertId, practiceId: existing.practiceId }),
  );
  return { ...response, receipt: { ...response.receipt, contentKey } };
}

async function assertConsentAndDates(deps: Pick<Deps, 'clauses'>, body: AlertSubmission, now: Date): Promise<void> {
  const today = isoDate(now);
  const errors: FieldError[] = [];
  if (body.subject.dateOfBirth !== undefined && body.subject.dateOfBirth > today) {
    errors.push({ path: 'subject.dateOfBirth', message: 'must not be in the future' });
  }
  if (body.incident.occurredOn > today) errors.push({ path: 'incident.occurredOn', message: 'must not be in the future' });
  if (body.consent.signedOn > today) errors.push({ path: 'consent.signedOn', message: 'must not be in the future' });
  if (body.consent.signedOn > body.incident.occurredOn) {
    errors.push({ path: 'consent.signedOn', message: 'must not be after incident.occurredOn: consent must be signed before the incident' });
  }
  const clause = await deps.clauses.get(body.consent.clauseId, body.consent.clauseVersion);
  if (!clause) {
    errors.push({ path: 'consent.clauseVersion', message: 'no published consent clause has this clauseId and version' });
  } else if (clause.sha256 !== body.consent.clauseSha256) {
    errors.push({ path: 'consent.clauseSha256', message: 'does not match the SHA-256 of the published text of this clause version' });
  }
  if (errors.length > 0) throw new ValidationError(errors);
}

export async function getAlert(deps: Deps, viewer: Principal, alertId: string): Promise<Record<string, unknown>> {
  return alertView(deps, await readableAlert(deps, viewer, alertId), viewer);
}

function requirePractice(principal: Principal): string {
  if (!principal.practiceId) throw new ForbiddenError('This API key belongs to no practice.');
  return principal.practiceId;
}
