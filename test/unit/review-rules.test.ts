import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { approvingPractices, assertMayDecide, reviewOutcome } from '#shared/alerts/review-rules.ts';
import { ConflictError, ForbiddenError } from '#shared/errors.ts';
import type { AlertRecord, Principal, Review } from '#shared/records.ts';

const submitter = 'prc_submitter';
const now = new Date('2026-11-21T12:00:00Z');

const review = (reviewerPracticeId: string, decision: Review['decision'], reviewerKeyId = `key_${reviewerPracticeId}`): Review => ({
  reviewerKeyId,
  reviewerPracticeId,
  decision,
  reason: 'checked',
  decidedAt: '2026-11-21T11:00:00Z',
});

/** Just the fields the rules read; the rest of an alert does not matter to them. */
const alert = (reviews: Review[], extra: Partial<AlertRecord> = {}) =>
  ({ alertId: 'alt_1', practiceId: submitter, status: 'pending_review', reviews, ...extra }) as AlertRecord;

const reviewer = (practiceId: string | undefined, keyId = `key_${practiceId}`): Principal => ({ keyId, role: 'reviewer', practiceId });

describe('reviewOutcome', () => {
  it('publishes on approvals from two practices other than the submitter', () => {
    expect(reviewOutcome(alert([review('prc_a', 'approve')]))).toBe('pending_review');
    expect(reviewOutcome(alert([review('prc_a', 'approve'), review('prc_b', 'approve')]))).toBe('published');
  });

  it('does not count two reviewers of one practice twice, nor the submitter', () => {
    expect(reviewOutcome(alert([review('prc_a', 'approve', 'key_1'), review('prc_a', 'approve', 'key_2')]))).toBe('pending_review');
    expect(reviewOutcome(alert([review('prc_a', 'approve'), review(submitter, 'approve')]))).toBe('pending_review');
  });

  it('rejects on one rejection, even after approvals', () => {
    expect(reviewOutcome(alert([review('prc_a', 'approve'), review('prc_b', 'approve'), review('prc_c', 'reject')]))).toBe('rejected');
  });

  it('is published iff no rejection and two distinct non-submitter practices approved (property)', () => {
    const practice = fc.constantFrom(submitter, 'prc_a', 'prc_b', 'prc_c');
    const anyReview = fc.record({ practice, decision: fc.constantFrom('approve', 'reject'), key: fc.integer({ min: 0, max: 5 }) });
    fc.assert(
      fc.property(fc.array(anyReview, { maxLength: 8 }), (drawn) => {
        const reviews = drawn.map(({ practice: p, decision, key }) => review(p, decision as Review['decision'], `key_${key}`));
        const rejected = reviews.some((r) => r.decision === 'reject');
        const approvers = new Set(reviews.filter((r) => r.decision === 'approve' && r.reviewerPracticeId !== submitter).map((r) => r.reviewerPracticeId));
        const expected = rejected ? 'rejected' : approvers.size >= 2 ? 'published' : 'pending_review';
        expect(reviewOutcome(alert(reviews))).toBe(expected);
        expect(approvingPractices(alert(reviews))).toEqual(approvers);
      }),
    );
  });
});

describe('assertMayDecide', () => {
  it('lets a reviewer of another practice decide a pending alert', () => {
    expect(() => assertMayDecide(alert([]), reviewer('prc_a'), now)).not.toThrow();
  });

  it('forbids a reviewer of the submitting practice, or of no practice', () => {
    expect(() => assertMayDecide(alert([]), reviewer(submitter), now)).toThrow(ForbiddenError);
    expect(() => assertMayDecide(alert([]), reviewer(undefined), now)).toThrow(ForbiddenError);
  });

  it('refuses a second decision by the same reviewer', () => {
    const decided = alert([review('prc_a', 'approve', 'key_me')]);
    expect(() => assertMayDecide(decided, reviewer('prc_a', 'key_me'), now)).toThrow(ConflictError);
    expect(() => assertMayDecide(decided, reviewer('prc_a', 'key_colleague'), now)).not.toThrow();
  });

  it('refuses decisions on an alert no longer under review, expiry included', () => {
    for (const status of ['published', 'rejected', 'suspended', 'retracted'] as const) {
      expect(() => assertMayDecide(alert([], { status }), reviewer('prc_a'), now)).toThrow(ConflictError);
    }
    const lapsed = alert([], { status: 'published', expiresAt: '2026-01-01T00:00:00Z' });
    expect(() => assertMayDecide(lapsed, reviewer('prc_a'), now)).toThrow(/expired/);
  });
});
