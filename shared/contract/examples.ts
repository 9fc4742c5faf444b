import { ex } from './common.ts';

/** Example bodies that several routes share. */
export const submissionExample = {
  subject: { fullName: 'John Q. Sample', dateOfBirth: '1980-02-29', phone: '+1 860 555 0100', email: 'jq@example.org' },
  incident: {
    occurredOn: '2026-11-02',
    category: 'sexual_misconduct',
    severity: 'high',
    summary: 'Client made sexual advances during the session and would not stop when asked.',
    actionsTaken: 'Session ended; client discharged.',
    witnesses: 1,
  },
  consent: {
    clauseId: ex.clauseId,
    clauseVersion: 1,
    clauseSha256: ex.sha256,
    signedOn: '2026-10-01',
    method: 'e_signature',
    documentSha256: ex.documentSha256,
  },
};

export const receiptExample = {
  alertId: ex.alertId,
  submittedAt: ex.at,
  practiceId: ex.practiceId,
  contentSha256: ex.sha256,
  digest: 'hmac-sha256',
  signature: ex.signature,
  keyId: ex.signingKeyId,
};
/** The receipt in the submitter's 201 answer: with its content key. */
export const issuedReceiptExample = { ...receiptExample, contentKey: 'kQ3vX8pL2mN5rT9wY1zA4bC7dE0fG3hJ6kM9nP2qS5u' };

/** An alert as its submitting practice sees it, after a retraction. */
export const submitterViewExample = {
  alertId: ex.alertId,
  status: 'retracted',
  category: 'sexual_misconduct',
  severity: 'high',
  submittedAt: '2026-11-03T09:12:40Z',
  publishedAt: '2026-11-05T16:20:02Z',
  expiresAt: '2028-11-04T16:20:02Z',
  reviews: [
    { decision: 'approve', reason: 'Specific, consent in order.', decidedAt: '2026-11-04T10:01:55Z' },
    { decision: 'approve', reason: 'Agree.', decidedAt: '2026-11-05T16:20:02Z' },
  ],
  history: [
    { at: '2026-11-03T09:12:40Z', action: 'submitted', status: 'pending_review', actorRole: 'practice' },
    { at: '2026-11-04T10:01:55Z', action: 'approved', status: 'pending_review', actorRole: 'reviewer', reason: 'Specific, consent in order.' },
    { at: '2026-11-05T16:20:02Z', action: 'published', status: 'published', actorRole: 'reviewer', reason: 'Agree.' },
    { at: ex.at, action: 'retracted', status: 'retracted', actorRole: 'practice', reason: 'Entered against the wrong client.' },
  ],
};

/** An alert as an admin sees it, suspended after a dispute. */
export const fullViewExample = {
  alertId: ex.alertId,
  status: 'suspended',
  category: 'sexual_misconduct',
  severity: 'high',
  submittedAt: '2026-11-03T09:12:40Z',
  publishedAt: '2026-11-05T16:20:02Z',
  expiresAt: '2028-11-04T16:20:02Z',
  practiceId: ex.practiceId,
  incident: { occurredOn: '2026-11-02', category: 'sexual_misconduct', severity: 'high', actionsTaken: 'Session ended; client discharged.', witnesses: 1 },
  consent: submissionExample.consent,
  approvals: 2,
  receipt: receiptExample,
  publication: { contentSha256: ex.sha256, signature: ex.signature, keyId: ex.signingKeyId },
  reviews: [
    {
      reviewerKeyId: ex.reviewerKeyId,
      reviewerPracticeId: ex.otherPracticeId,
      decision: 'approve',
      reason: 'Specific, consent in order.',
      decidedAt: '2026-11-04T10:01:55Z',
    },
  ],
  history: [
    { at: '2026-11-03T09:12:40Z', action: 'submitted', status: 'pending_review', actorKeyId: ex.keyId, actorRole: 'practice' },
    {
      at: ex.at,
      action: 'disputed',
      status: 'suspended',
      actorKeyId: 'key_01kbz0r2m4p6s8u0x2z4b6d8f0',
      actorRole: 'admin',
      reason: 'Client disputes the account through counsel.',
    },
  ],
};

/** A pending alert as a reviewer of another practice sees it, after one other reviewer approved. */
export const reviewerViewExample = {
  alertId: ex.alertId,
  status: 'pending_review',
  category: 'sexual_misconduct',
  severity: 'high',
  submittedAt: '2026-11-03T09:12:40Z',
  incident: { ...fullViewExample.incident, summary: 'Client made sexual advances during the session and would not stop when asked.' },
  consent: submissionExample.consent,
  approvals: 1,
  reviews: [{ reviewer: 'Reviewer A', mine: false, decision: 'approve', reason: 'Specific, consent in order.', decidedAt: '2026-11-04T10:01:55Z' }],
  history: [
    { at: '2026-11-03T09:12:40Z', action: 'submitted', status: 'pending_review', actorRole: 'practice', actor: 'Submitting practice', mine: false },
    {
      at: '2026-11-04T10:01:55Z',
      action: 'approved',
      status: 'pending_review',
      actorRole: 'reviewer',
      actor: 'Reviewer A',
      mine: false,
      reason: 'Specific, consent in order.',
    },
  ],
};
