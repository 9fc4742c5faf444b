import { ex } from './common.ts';
import { fullViewExample, issuedReceiptExample, reviewerViewExample, submissionExample, submitterViewExample } from './examples.ts';
import { defineContract } from './define.ts';
import { alertsRequests } from './requests/alerts.ts';
import { alertListSchema, anyAlertViewSchema, fullAlertViewSchema, submittedAlertSchema } from './views.ts';

const alertAnswer = (description: string, value: unknown) => ({
  description,
  schema: anyAlertViewSchema,
  examples: { answer: { summary: 'The alert', value } },
});

const reasonBody = (reason: string) => ({ reason: { summary: 'A reason', value: { reason } } });

/** Alerts: a practice submits, lists and retracts; the submitter, reviewers and admins read; admins list all and handle disputes. */
export const alertsContract = defineContract(alertsRequests, {
  'POST /v1/alerts': {
    operationId: 'submitAlert',
    summary: 'Submit an alert',
    description: [
      'A practice reports a client it ended the relationship with for safety reasons. The client identifiers in `subject` become keyed tokens at once and are never stored; `subject` needs a phone, an e-mail, or a full name with a date of birth. ',
      '`consent` must cite a published clause version whose `sha256` matches; `signedOn` must not be after `occurredOn` nor in the future. The incident `summary` is encrypted at rest and shown only to reviewers.',
      "\n\nThe alert starts as `pending_review`. The answer carries a **receipt** signed by the network over a keyed digest (HMAC-SHA-256 under the receipt's `contentKey`, which this answer alone carries) of the canonical JSON of the body exactly as sent: keep the receipt as answered and the body to prove later what was submitted and when. Others who see the receipt see the digest without its key. Free text (`actionsTaken`, reasons) is stored encrypted: never type a client's identifiers into it.",
      '\n\nSend an `Idempotency-Key` to retry safely: the same key and body within 24 hours answers the first response again and creates nothing; the same key with another body is a 409.',
    ].join(''),
    tags: ['Alerts'],
    examples: { alert: { summary: 'An alert', value: submissionExample } },
    responses: {
      201: {
        description: 'The alert was submitted (or, with a repeated Idempotency-Key and the same body, the first answer again).',
        schema: submittedAlertSchema,
        examples: {
          submitted: { summary: 'Submitted, with its receipt', value: { alertId: ex.alertId, status: 'pending_review', receipt: issuedReceiptExample } },
        },
      },
    },
    errors: { 403: 'The key belongs to no practice.', 409: 'The Idempotency-Key was used in the last 24 hours with a different body.' },
  },
  'GET /v1/alerts': {
    operationId: 'listAlerts',
    summary: 'List alerts',
    description:
      "A practice's own alerts, or every alert of the network for an admin, newest first, each as `GET /v1/alerts/{alertId}` shows it to the caller. " +
      'Follow `nextCursor` (as `cursor`) until it is absent. `status` keeps the alerts a reader sees in that status now.',
    tags: ['Alerts'],
    responses: {
      200: {
        description: 'A page of alerts.',
        schema: alertListSchema,
        examples: {
          page: {
            summary: "A practice's page",
            value: { items: [submitterViewExample], nextCursor: 'eyJiZWZvcmUiOiJhbHRfMDFrYnowcDZqOG0wcDJyNHQ2dzh5MGEyYzQifQ' },
          },
        },
      },
    },
  },
  'GET /v1/alerts/{alertId}': {
    operationId: 'getAlert',
    summary: 'Read an alert',
    description:
      'The submitting practice sees status, category, severity, dates, the review decisions with their reasons, and the history, never who reviewed. Admins see everything but the summary (the incident, the consent proof, the receipt, who decided). ' +
      'A reviewer reads only alerts under review it may decide and alerts it decided: the incident with its summary, the consent proof and the decisions, with the other reviewers as stable labels ("Reviewer A") and never the reporting practice. ' +
      'No role sees an identifier or a token. An alert the key may not read is a 404, exactly like one that does not exist.',
    tags: ['Alerts'],
    responses: {
      200: {
        description: 'The alert, as the caller may see it.',
        schema: anyAlertViewSchema,
        examples: {
          submitter: { summary: "The submitting practice's view", value: submitterViewExample },
          reviewer: { summary: "A reviewer's view", value: reviewerViewExample },
          admin: { summary: "An admin's view", value: fullViewExample },
        },
      },
    },
    errors: { 404: 'No alert with this id is visible to your key.' },
  },
  'POST /v1/alerts/{alertId}/retract': {
    operationId: 'retractAlert',
    summary: 'Retract an alert',
    description:
      'The submitting practice (or an admin) withdraws an alert that is pending, published or suspended. A retracted alert no longer matches. The reason is kept in the history and the audit log.',
    tags: ['Alerts'],
    examples: reasonBody('Entered against the wrong client.'),
    responses: { 200: alertAnswer('The alert, now `retracted`.', submitterViewExample) },
    errors: {
      404: 'No alert with this id is visible to your key.',
      409: 'The alert cannot be retracted from its current status (or is being changed by others right now).',
    },
  },
  'POST /v1/alerts/{alertId}/disputes': {
    operationId: 'disputeAlert',
    summary: 'Suspend a disputed alert',
    description: 'An admin suspends a published alert the client disputes: it stops matching at once, until reinstated or retracted.',
    tags: ['Alerts'],
    examples: reasonBody('Client disputes the account through counsel.'),
    responses: {
      200: {
        description: 'The alert, now `suspended`.',
        schema: fullAlertViewSchema,
        examples: { suspended: { summary: 'Suspended', value: fullViewExample } },
      },
    },
    errors: { 404: 'No such alert.', 409: 'Only a published alert can be suspended.' },
  },
  'POST /v1/alerts/{alertId}/reinstate': {
    operationId: 'reinstateAlert',
    summary: 'Reinstate a suspended alert',
    description: 'An admin reinstates a suspended alert after the dispute is heard: it is `published` again and matches again.',
    tags: ['Alerts'],
    examples: reasonBody('Dispute heard; record upheld.'),
    responses: {
      200: {
        description: 'The alert, `published` again.',
        schema: fullAlertViewSchema,
        examples: { reinstated: { summary: 'Reinstated', value: { ...fullViewExample, status: 'published' } } },
      },
    },
    errors: { 404: 'No such alert.', 409: 'Only a suspended alert can be reinstated.' },
  },
});
