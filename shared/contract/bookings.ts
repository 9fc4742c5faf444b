import * as z from 'zod';
import { guidance } from '../domain/checks.ts';
import { categories, severities } from '../records.ts';
import { day, ex, instant } from './common.ts';
import { defineContract } from './define.ts';
import { idOf } from './params.ts';
import { bookingsRequests } from './requests/bookings.ts';
import { match, noMatch } from './views.ts';

const ref = z.string().meta({ description: "The practice's own booking reference, as registered." });
const registered = {
  ref,
  appointmentOn: day.meta({ description: 'The appointment date, as registered.' }),
  keptUntil: instant.meta({ description: 'When the registration is deleted: the end (UTC) of the day after the appointment.' }),
};

export const registrationResultSchema = z
  .discriminatedUnion('result', [z.strictObject({ ...registered, ...noMatch }), z.strictObject({ ...registered, ...match })])
  .meta({ id: 'BookingRegistration', description: "The registration's screening (a check's answer), with the ref and until when it is kept." });

const tier = z.enum(['strong', 'possible']);
export const rescreenMatchSchema = z
  .strictObject({
    checkId: idOf('chk', "The re-screen's check id (it names the audit entry)."),
    confidence: tier.meta({ description: 'The tier of the match, as a check answers it.' }),
    category: z.enum(categories),
    severity: z.enum(severities),
    publishedOn: day.meta({ description: 'When the alert was published.' }),
    matchedAt: instant.meta({ description: 'When the re-screen found it.' }),
  })
  .meta({ id: 'RescreenMatch', description: 'An alert published after the booking was registered that matches it; never who reported, never an identifier.' });

export const registeredBookingsSchema = z
  .strictObject({
    items: z.array(
      z.strictObject({
        ref,
        appointmentOn: day,
        registeredAt: instant,
        checkId: idOf('chk', 'The check made when it was registered.'),
        matches: z
          .array(rescreenMatchSchema)
          .meta({ description: 'Alerts published or reinstated since it was registered that match it, newest first: the front desk list.' }),
      }),
    ),
  })
  .meta({ id: 'RegisteredBookings', description: "The practice's registered upcoming bookings, soonest first." });

export const matchDigestViewSchema = z
  .strictObject({
    alertId: idOf('alt', 'The alert id.'),
    enabled: z.boolean().meta({ description: 'Whether the reporting practice is told, once a day, how many bookings its alert matched.' }),
    threshold: z.int().min(2).meta({ description: 'The fewest matches on a day that are told; a day with fewer tells nothing.' }),
    days: z.array(z.strictObject({ day, matches: z.int().min(1) })).meta({
      description: 'Complete UTC days of the last 30 (newest first) whose count reached the threshold. Never a practice, a booking or a time within the day.',
    }),
  })
  .meta({ id: 'MatchDigest', description: "A reporting practice's daily digest of its alert's matches." });

const registration = {
  ref: 'bk-2026-12-14-0930',
  appointmentOn: '2026-12-14',
  subject: { fullName: 'John Q. Sample', dateOfBirth: '1980-02-29', phone: '+1 860 555 0100' },
};
const quota =
  "The registration is screened at once, exactly like `POST /v1/checks`: it counts against the practice's screening quota (a 429 with `Retry-After` over it, and then nothing is registered) and is written to the audit log.";

/** Registered upcoming bookings, re-screened when an alert publishes; the reporter's match digest. */
export const bookingsContract = defineContract(bookingsRequests, {
  'POST /v1/bookings': {
    operationId: 'registerBooking',
    summary: 'Register an upcoming booking for re-screening',
    description: [
      'Registers an upcoming booking: your `ref` (a booking id of your software, never client details), the appointment date, and the client identifiers, which become keyed tokens exactly as in a check and are dropped. ',
      `${quota}\n\n`,
      'The tokens (never the identifiers) are kept until the end of the day after the appointment. When an alert is published or reinstated before then and matches the booking, your practice is told on the practices topic (`booking.rescreen_matched`: ref, appointment date, tier, category, severity) and the match appears in `GET /v1/bookings`.\n\n',
      'The date must not be in the past (yesterday in UTC is accepted, for time zones behind it) nor more than a year ahead: otherwise 400 naming `appointmentOn`. ',
      'Registering a ref again is idempotent: it is screened again (a new check) and replaces the earlier registration, so one ref is one registration (201 the first time, 200 after).',
    ].join(''),
    tags: ['Rescreening'],
    examples: { booking: { summary: 'A booking in two weeks', value: registration } },
    responses: {
      201: {
        description: 'Registered; the screening of the booking now.',
        schema: registrationResultSchema,
        examples: {
          noMatch: {
            summary: 'No match now',
            value: {
              ref: registration.ref,
              appointmentOn: registration.appointmentOn,
              keptUntil: '2026-12-16T00:00:00Z',
              checkId: ex.checkId,
              result: 'no_match',
            },
          },
        },
      },
      200: {
        description: 'The ref was registered already: screened again and replaced.',
        schema: registrationResultSchema,
        examples: {
          match: {
            summary: 'Registered again; it matches now',
            value: {
              ref: registration.ref,
              appointmentOn: registration.appointmentOn,
              keptUntil: '2026-12-16T00:00:00Z',
              checkId: ex.checkId,
              result: 'match',
              confidence: 'strong',
              matchedOn: ['phone'],
              alerts: [{ category: 'harassment', severity: 'high', publishedOn: ex.on, confidence: 'strong', matchedOn: ['phone'] }],
              reportingPractices: 1,
              guidance: guidance.strong,
            },
          },
        },
      },
    },
    errors: { 403: 'The key belongs to no practice.', 429: "The practice's screening quota is used up; retry after `Retry-After` seconds." },
  },
  'GET /v1/bookings': {
    operationId: 'listBookings',
    summary: "List the practice's registered bookings",
    description:
      "The practice's registered upcoming bookings, soonest appointment first, each with the alerts published or reinstated since it was registered that match it (the front desk's list of upcoming bookings that now match). Only the practice's own; never an identifier or a token.",
    tags: ['Rescreening'],
    responses: {
      200: {
        description: 'The registrations.',
        schema: registeredBookingsSchema,
        examples: {
          one: {
            summary: 'One booking that now matches',
            value: {
              items: [
                {
                  ref: registration.ref,
                  appointmentOn: registration.appointmentOn,
                  registeredAt: ex.at,
                  checkId: ex.checkId,
                  matches: [
                    {
                      checkId: 'chk_01kbz0s5n7q9t1w3y5a7c9e1g3',
                      confidence: 'strong',
                      category: 'harassment',
                      severity: 'high',
                      publishedOn: '2026-11-23',
                      matchedAt: '2026-11-23T10:15:00Z',
                    },
                  ],
                },
              ],
            },
          },
        },
      },
    },
    errors: { 403: 'The key belongs to no practice.' },
  },
  'DELETE /v1/bookings/{ref}': {
    operationId: 'cancelBooking',
    summary: 'Cancel a registered booking',
    description:
      'Deletes the registration, its tokens and its matches at once (audited). A ref that is not registered by your practice is 404, whoever registered it.',
    tags: ['Rescreening'],
    responses: { 204: { description: 'Cancelled and deleted.' } },
    errors: { 403: 'The key belongs to no practice.' },
  },
  'GET /v1/alerts/{alertId}/match-digest': {
    operationId: 'getMatchDigest',
    summary: "Read your alert's match digest",
    description:
      "For the practice that submitted the alert: whether it is told how many bookings its alert matched, and the days so far whose count reached the threshold. Counts are per complete UTC day and only from the threshold up; they never name a practice, a booking or a time. Any other practice's alert is 404.",
    tags: ['Rescreening'],
    responses: {
      200: {
        description: 'The digest.',
        schema: matchDigestViewSchema,
        examples: { on: { summary: 'On, one day told', value: { alertId: ex.alertId, enabled: true, threshold: 3, days: [{ day: ex.on, matches: 4 }] } } },
      },
    },
    errors: { 403: 'The key belongs to no practice.' },
  },
  'PUT /v1/alerts/{alertId}/match-digest': {
    operationId: 'setMatchDigest',
    summary: "Opt in to (or out of) your alert's match digest",
    description:
      "For the practice that submitted the alert: `enabled: true` counts, from now on, the bookings the alert matches (checks, registrations and re-screens), and once a day the practices topic tells your practice the previous day's count (`alert.match_digest`) when it reached the threshold (`MATCH_DIGEST_MIN_COUNT`, 3 by default). `enabled: false` stops counting and telling. Audited. Any other practice's alert is 404.",
    tags: ['Rescreening'],
    examples: { on: { summary: 'Opt in', value: { enabled: true } } },
    responses: { 200: { description: 'The digest as it now stands.', schema: matchDigestViewSchema } },
    errors: { 403: 'The key belongs to no practice.' },
  },
});
