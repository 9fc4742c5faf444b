import { maxBatchBookings } from '../schemas.ts';
import { guidance } from '../domain/checks.ts';
import { ex } from './common.ts';
import { defineContract } from './define.ts';
import { checksRequests } from './requests/checks.ts';
import { batchResultSchema, checkResultSchema } from './views.ts';

const strongMatch = {
  checkId: ex.checkId,
  result: 'match',
  confidence: 'strong',
  matchedOn: ['phone'],
  alerts: [{ category: 'sexual_misconduct', severity: 'high', publishedOn: '2026-11-05', confidence: 'strong', matchedOn: ['phone'] }],
  reportingPractices: 1,
  guidance: guidance.strong,
};

const quota =
  "Each booking counts against the practice's screening quota (`CHECKS_PER_MINUTE` per minute, `CHECKS_PER_DAY` per UTC day). Over it, the answer is a 429 with `Retry-After`, and nothing is counted, screened or audited.";

/** Screening bookings, one at a time or up to 100 at once: the hot path front desks wait on. */
export const checksContract = defineContract(checksRequests, {
  'POST /v1/checks': {
    operationId: 'checkBooking',
    summary: 'Screen a booking',
    description: [
      "Screens one booking against the published alerts. `subject` needs at least a phone, an e-mail or a full name; give every identifier you have (any phone format works; national numbers are read in the deployment's region). ",
      'The identifiers become keyed tokens and are dropped: they are never stored, logged or returned.\n\n',
      "The answer is `no_match`, or `match` with a `confidence` (`strong` when a phone, an e-mail or a full name with date of birth matched; `possible` for the name alone), the categories and severities of the alerts, how many practices reported (never which), and `guidance` for the front desk. Only published, unexpired alerts match; a practice's own alerts match too. ",
      'Every check is written to the audit log with the practice, the kinds of identifier checked and the result.\n\n',
      quota,
    ].join(''),
    tags: ['Screening'],
    examples: {
      phone: { summary: 'By phone', value: { subject: { phone: '(860) 555-0100' }, bookingOn: '2026-12-01' } },
      everything: {
        summary: 'Every identifier',
        value: { subject: { fullName: 'John Q. Sample', dateOfBirth: '1980-02-29', phone: '+1 860 555 0100', email: 'jq@example.org' } },
      },
    },
    responses: {
      200: {
        description: 'The result of the screening.',
        schema: checkResultSchema,
        examples: {
          noMatch: { summary: 'No match', value: { checkId: ex.checkId, result: 'no_match' } },
          match: { summary: 'A strong match', value: strongMatch },
          possible: {
            summary: 'A nickname with the date of birth: a possible match',
            value: {
              ...strongMatch,
              confidence: 'possible',
              matchedOn: ['nickname_dob'],
              alerts: [{ ...strongMatch.alerts[0], confidence: 'possible', matchedOn: ['nickname_dob'] }],
              guidance: guidance.possible,
            },
          },
        },
      },
    },
    errors: { 403: 'The key belongs to no practice.', 429: "The practice's screening quota is used up; retry after `Retry-After` seconds." },
  },
  'POST /v1/checks/batch': {
    operationId: 'checkBookings',
    summary: 'Screen up to 100 bookings',
    description:
      `Screens up to ${maxBatchBookings} bookings in one request, as booking software does for a day's appointments. Each booking carries an opaque \`ref\` of yours (a booking id, never client details; unique in the batch), which comes back with its result; results are in input order. ` +
      `Each booking is screened and audited exactly like \`POST /v1/checks\`, and each counts against the quota. ${quota}`,
    tags: ['Screening'],
    examples: {
      batch: {
        summary: 'Two bookings',
        value: {
          bookings: [
            { ref: 'bk-1', subject: { email: 'JQ@example.org' } },
            { ref: 'bk-2', subject: { phone: '+1 203 555 0111' }, bookingOn: '2026-12-02' },
          ],
        },
      },
    },
    responses: {
      200: {
        description: 'One result per booking, in input order, each with its ref.',
        schema: batchResultSchema,
        examples: {
          results: {
            summary: 'One match, one not',
            value: {
              results: [
                { ref: 'bk-1', ...strongMatch, matchedOn: ['email'], alerts: [{ ...strongMatch.alerts[0], matchedOn: ['email'] }] },
                { ref: 'bk-2', checkId: 'chk_01kbz0s5n7q9t1w3y5a7c9e1g3', result: 'no_match' },
              ],
            },
          },
        },
      },
    },
    errors: {
      403: 'The key belongs to no practice.',
      429: "The practice's screening quota cannot take this many bookings now; retry after `Retry-After` seconds.",
    },
  },
});
