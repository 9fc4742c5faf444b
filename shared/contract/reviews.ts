import { ex } from './common.ts';
import { fullViewExample, reviewerViewExample } from './examples.ts';
import { defineContract } from './define.ts';
import { reviewsRequests } from './requests/reviews.ts';
import { anyAlertViewSchema, decidedListSchema, reviewQueueSchema } from './views.ts';

/** Peer review: the queue, the decisions of reviewers from other practices, and re-confirmation before expiry. */
export const reviewsContract = defineContract(reviewsRequests, {
  'GET /v1/reviews/queue': {
    operationId: 'getReviewQueue',
    summary: 'Alerts awaiting your review',
    description:
      "Pending alerts this reviewer may decide, oldest first, at most 50: never alerts of the reviewer's own practice, never ones the reviewer already decided. Each item carries the incident with its summary and the consent proof.",
    tags: ['Reviews'],
    responses: {
      200: {
        description: 'The queue.',
        schema: reviewQueueSchema,
        examples: {
          queue: {
            summary: 'One alert waiting',
            value: {
              items: [
                {
                  alertId: ex.alertId,
                  category: 'sexual_misconduct',
                  severity: 'high',
                  incident: {
                    occurredOn: '2026-11-02',
                    category: 'sexual_misconduct',
                    severity: 'high',
                    actionsTaken: 'Session ended; client discharged.',
                    witnesses: 1,
                    summary: 'Client made sexual advances during the session and would not stop when asked.',
                  },
                  consent: fullViewExample.consent,
                  submittedAt: '2026-11-03T09:12:40Z',
                  approvals: 0,
                },
              ],
            },
          },
        },
      },
    },
  },
  'GET /v1/reviews/decided': {
    operationId: 'getDecidedAlerts',
    summary: 'Alerts you decided',
    description:
      'The alerts this reviewer key approved or rejected, latest decision first, at most 100, as a reviewer sees them (never the reporting practice; the other reviewers as labels).',
    tags: ['Reviews'],
    responses: {
      200: {
        description: 'The decided alerts.',
        schema: decidedListSchema,
        examples: {
          decided: {
            summary: 'One decided alert',
            value: { items: [{ ...reviewerViewExample, reviews: [{ ...reviewerViewExample.reviews[0]!, mine: true }] }] },
          },
        },
      },
    },
  },
  'POST /v1/alerts/{alertId}/reviews': {
    operationId: 'decideReview',
    summary: 'Approve or reject an alert',
    description:
      'A reviewer decides a pending alert once. Approvals from reviewers of two different practices, neither the submitter, publish it: it is signed, gets `publishedAt` and `expiresAt`, and starts to match. One rejection ends it as `rejected`.',
    tags: ['Reviews'],
    examples: {
      approve: { summary: 'Approve', value: { decision: 'approve', reason: 'Specific, consent in order.' } },
      reject: { summary: 'Reject', value: { decision: 'reject', reason: 'The consent document does not cover this practice.' } },
    },
    responses: {
      200: {
        description: 'The alert after the decision (`pending_review`, `published` or `rejected`).',
        schema: anyAlertViewSchema,
        examples: {
          decided: {
            summary: 'Published by the second approval',
            value: { ...fullViewExample, status: 'published', history: fullViewExample.history.slice(0, 1) },
          },
        },
      },
    },
    errors: {
      403: 'Reviewers may not decide alerts submitted by their own practice.',
      404: 'No such alert.',
      409: 'You have already decided this alert, or it is no longer pending review.',
    },
  },
  'POST /v1/alerts/{alertId}/reconfirm': {
    operationId: 'reconfirmAlert',
    summary: 'Re-confirm a published alert',
    description:
      'A reviewer of another practice re-confirms a published, unexpired alert in the `RECONFIRM_WINDOW_DAYS` (60 by default) before it expires. Once reviewers of two practices (neither the submitter) have, it is renewed for a full period (`ALERT_TTL_DAYS`, 730 days by default) from now, never shortening it, and signed again; until then `expiresAt` is unchanged. Each reviewer and each practice re-confirms once per period. A suspended alert must be reinstated by an admin first.',
    tags: ['Reviews'],
    examples: { reason: { summary: 'A reason', value: { reason: 'Still relevant.' } } },
    responses: {
      200: {
        description: 'The alert with its new `expiresAt`.',
        schema: anyAlertViewSchema,
        examples: { renewed: { summary: 'Renewed', value: { ...fullViewExample, status: 'published' } } },
      },
    },
    errors: {
      403: 'Reviewers may not re-confirm alerts submitted by their own practice.',
      404: 'No such alert.',
      409: 'The alert is not published, the window before its expiry is not open yet, or you (or a reviewer of your practice) already re-confirmed it this period.',
    },
  },
});
