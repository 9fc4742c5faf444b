/**
 * Small builders for domain tests: principals of each role, a published consent clause, a valid
 * alert submission (parsed by the real schema, as the HTTP layer would) and a ready-made network.
 */
import { createHash } from 'node:crypto';
import type { Deps } from '#shared/deps.ts';
import { submitAlert } from '#shared/domain/alerts.ts';
import { publishClause } from '#shared/domain/clauses.ts';
import { decideReview } from '#shared/domain/reviews.ts';
import { newId } from '#shared/ids.ts';
import type { ConsentClause, Principal } from '#shared/records.ts';
import type { Role } from '#shared/routes.ts';
import { checkSchema, parseInput, submitAlertSchema, type AlertSubmission, type CheckRequest } from '#shared/schemas.ts';
import { buildTestDeps } from './deps.ts';

export const newPracticeId = (): string => newId('prc');

export function principal(role: Role, practiceId?: string): Principal {
  return { keyId: newId('key'), role, practiceId };
}

export const clauseText = 'I agree that this practice may tell other participating professionals whether it would work with me again.';

export function publishTestClause(deps: Pick<Deps, 'clauses' | 'clock'>): Promise<ConsentClause> {
  return publishClause(deps, { keyId: 'key_test-admin', role: 'admin' }, { text: clauseText, jurisdiction: 'US-CT' });
}

/** Identifiers of a made-up client; each value is distinctive so tests can search for it. */
export const canarySubject = {
  fullName: 'Zebulon Quixley-Marchetti',
  dateOfBirth: '1979-03-14',
  phone: '(860) 555-0199',
  email: 'Zeb.Quixley@Example.org',
} as const;

/** The same values as normalisation turns them into (what tokens are made from). */
export const canaryNormalised = ['zebulon quixley marchetti', '+18605550199', '8605550199', 'zeb.quixley@example.org'] as const;

export const canarySummary = 'Client grabbed the therapist during session 3; canary-summary-7f3a.';

type SubmissionInput = {
  subject?: Record<string, unknown>;
  incident?: Record<string, unknown>;
  consent?: Record<string, unknown>;
};

/** A valid submission body citing `clause`, as a practice sends it; pass parts to replace fields. */
export function submissionJson(clause: ConsentClause, parts: SubmissionInput = {}) {
  return {
    subject: { ...canarySubject, ...parts.subject },
    incident: {
      occurredOn: '2026-11-02',
      category: 'sexual_misconduct',
      severity: 'high',
      summary: canarySummary,
      actionsTaken: 'Session ended, client banned.',
      witnesses: 1,
      ...parts.incident,
    },
    consent: { ...consentProof(clause), ...parts.consent },
  };
}

/** Proof that the client signed `clause` at intake, as a practice cites it in a submission. */
export function consentProof(clause: Pick<ConsentClause, 'clauseId' | 'version' | 'sha256'>) {
  return {
    clauseId: clause.clauseId,
    clauseVersion: clause.version,
    clauseSha256: clause.sha256,
    signedOn: '2026-10-01',
    method: 'e_signature',
    documentSha256: createHash('sha256').update('signed intake form').digest('hex'),
  };
}

/** The same body parsed by the real schema, as the HTTP layer hands it to submitAlert. */
export function submission(clause: ConsentClause, parts: SubmissionInput = {}): AlertSubmission {
  return parseInput(submitAlertSchema('US'), submissionJson(clause, parts));
}

export function checkRequest(subject: Record<string, unknown>): CheckRequest {
  return parseInput(checkSchema('US'), { subject });
}

/**
 * A small network: practice A reports; practices B and C review (B has two reviewers).
 * Everything runs on in-memory stores with a clock the test moves.
 */
export async function testNetwork(overrides: Parameters<typeof buildTestDeps>[0] = {}) {
  const deps = buildTestDeps(overrides);
  const clause = await publishTestClause(deps);
  const [a, b, c] = [newPracticeId(), newPracticeId(), newPracticeId()];
  return {
    deps,
    clause,
    practiceA: principal('practice', a),
    practiceB: principal('practice', b),
    reviewerA: principal('reviewer', a),
    reviewerB: principal('reviewer', b),
    reviewerB2: principal('reviewer', b),
    reviewerC: principal('reviewer', c),
    admin: principal('admin'),
    auditor: principal('auditor'),
  };
}
export type TestNetwork = Awaited<ReturnType<typeof testNetwork>>;

/** Practice A submits an alert and reviewers of B and C approve it. */
export async function publishedAlert(net: TestNetwork, parts: SubmissionInput = {}, by: Principal = net.practiceA): Promise<string> {
  const { alertId } = await submitAlert(net.deps, by, submission(net.clause, parts));
  await decideReview(net.deps, net.reviewerB, alertId, { decision: 'approve', reason: 'Consent and account hold up.' });
  await decideReview(net.deps, net.reviewerC, alertId, { decision: 'approve', reason: 'Agreed.' });
  return alertId;
}
