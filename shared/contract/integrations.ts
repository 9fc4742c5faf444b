import * as z from 'zod';
import { guidance } from '../domain/checks.ts';
import { bookingActions, onMatchActions } from '../records.ts';
import { defaultCalcomApiBaseUrl, defaultDeclineReason } from '../schemas.ts';
import { ex, instant } from './common.ts';
import { defineContract } from './define.ts';
import { idOf } from './params.ts';
import { integrationsRequests } from './requests/integrations.ts';
import { match, noMatch } from './views.ts';

export const calcomIntegrationViewSchema = z
  .strictObject({
    practiceId: idOf('prc', 'The practice id.'),
    provider: z.literal('calcom'),
    webhookPath: z.string().meta({ description: "The path of the practice's webhook: Cal.com's Subscriber URL is the API's base URL followed by it." }),
    webhookSecretSet: z.literal(true).meta({ description: 'A webhook secret is set. The secret itself is never returned.' }),
    calcomApiKeySet: z.boolean().meta({ description: 'Whether a Cal.com API key is set (needed to decline). The key itself is never returned.' }),
    calcomApiBaseUrl: z.string().meta({ description: 'The Cal.com API v2 base URL declines go to.' }),
    onMatch: z
      .enum(onMatchActions)
      .meta({ description: '`notify`: tell the practice. `decline`: also decline a strongly matching booking request through Cal.com.' }),
    declineReason: z.string().meta({ description: 'What Cal.com tells the client when a booking is declined.' }),
    configuredAt: instant,
  })
  .meta({ id: 'CalcomIntegration', description: "A practice's Cal.com integration, without its secrets." });

const attendee = z.int().min(1).meta({ description: "The attendee's position in Cal.com's list: 1 is the booker, then the guests." });
const attendeeResultSchema = z
  .discriminatedUnion('result', [
    z.strictObject({ attendee, ...noMatch }),
    z.strictObject({ attendee, ...match }),
    z.strictObject({
      attendee,
      result: z.literal('not_screened'),
      reason: z.string().meta({ description: 'Why: the attendee has no usable name, e-mail or phone number.' }),
    }),
  ])
  .meta({ id: 'AttendeeResult', description: "One attendee's answer: as POST /v1/checks answers, with its position; never an identifier." });

export const calcomAnswerSchema = z
  .union([
    z.strictObject({
      triggerEvent: z.enum(['BOOKING_CREATED', 'BOOKING_REQUESTED']),
      screened: z.literal(true),
      result: z.enum(['match', 'no_match']).meta({ description: '`match` when any attendee matched.' }),
      attendees: z.array(attendeeResultSchema),
      bookingAction: z
        .enum(bookingActions)
        .meta({ description: 'What was done to the booking in Cal.com: `none`, `declined`, or `decline_failed` (decline it by hand).' }),
    }),
    z.strictObject({
      triggerEvent: z.string(),
      screened: z.literal(false),
      detail: z.string().meta({ description: 'That the delivery was acknowledged and ignored, and why.' }),
    }),
  ])
  .meta({ id: 'CalcomDeliveryAnswer', description: "Peerguard's answer to a Cal.com delivery." });

const view = {
  practiceId: ex.practiceId,
  provider: 'calcom',
  webhookPath: `/v1/integrations/calcom/${ex.practiceId}`,
  webhookSecretSet: true,
  calcomApiKeySet: true,
  calcomApiBaseUrl: defaultCalcomApiBaseUrl,
  onMatch: 'decline',
  declineReason: defaultDeclineReason,
  configuredAt: ex.at,
};

/**
 * Cal.com's example delivery (its webhooks guide, docs/developing/guides/automation/webhooks.mdx in
 * the calcom/cal.com repository), trimmed to the fields Peerguard reads and a few around them.
 */
const calcomExample = {
  triggerEvent: 'BOOKING_REQUESTED',
  createdAt: '2023-05-24T09:30:00.538Z',
  payload: {
    type: '60min',
    title: '60min between Pro Example and John Doe',
    startTime: '2023-05-25T09:30:00Z',
    endTime: '2023-05-25T10:30:00Z',
    organizer: { id: 5, name: 'Pro Example', email: 'pro@example.com', username: 'pro', timeZone: 'Asia/Kolkata', language: { locale: 'en' } },
    responses: { name: { label: 'your_name', value: 'John Doe' }, email: { label: 'email_address', value: 'john.doe@example.com' } },
    attendees: [{ email: 'john.doe@example.com', name: 'John Doe', timeZone: 'Asia/Kolkata', language: { locale: 'en' } }],
    uid: 'bFJeNb2uX8ANpT3JL5EfXw',
    bookingId: 91,
    requiresConfirmation: true,
    status: 'PENDING',
  },
};

const strongMatch = {
  attendee: 1,
  checkId: ex.checkId,
  result: 'match',
  confidence: 'strong',
  matchedOn: ['email'],
  alerts: [{ category: 'sexual_misconduct', severity: 'high', publishedOn: '2026-11-05', confidence: 'strong', matchedOn: ['email'] }],
  reportingPractices: 1,
  guidance: guidance.strong,
};

/** A practice's booking software: its Cal.com integration, and the webhook Cal.com calls on each booking. */
export const integrationsContract = defineContract(integrationsRequests, {
  'PUT /v1/practices/{practiceId}/integrations/calcom': {
    operationId: 'setCalcomIntegration',
    summary: "Set a practice's Cal.com integration",
    description: [
      "Sets (replaces) the practice's Cal.com integration: the webhook secret typed into Cal.com's webhook form (Settings → Developer → Webhooks, with Subscriber URL = this API's base URL + `webhookPath`), and what to do on a match. ",
      "With `onMatch: decline`, a booking request (an event type that requires confirmation) whose attendee is a strong match is declined through Cal.com's API with the practice's `calcomApiKey`; `declineReason` is what Cal.com tells the client, so keep it neutral.\n\n",
      "The secret and the API key are stored envelope-encrypted and never returned; the change is written to the audit log. A practice key may set only its own practice's integration (another practice reads as 404).",
    ].join(''),
    tags: ['Integrations'],
    examples: {
      notify: { summary: 'Tell the practice of matches', value: { webhookSecret: '3d0f6b1c9a7e4d2f8b5c1a9e7d3f6b2c', onMatch: 'notify' } },
      decline: {
        summary: 'Also decline matching booking requests',
        value: {
          webhookSecret: '3d0f6b1c9a7e4d2f8b5c1a9e7d3f6b2c',
          onMatch: 'decline',
          calcomApiKey: 'cal_live_0123456789abcdef',
          declineReason: defaultDeclineReason,
        },
      },
    },
    responses: {
      200: { description: 'The integration is set.', schema: calcomIntegrationViewSchema, examples: { set: { summary: 'Set, with decline', value: view } } },
    },
    errors: { 404: 'No such practice, or one whose integration this key may not set.' },
  },
  'GET /v1/practices/{practiceId}/integrations/calcom': {
    operationId: 'getCalcomIntegration',
    summary: "Read a practice's Cal.com integration",
    description: 'Whether a webhook secret and an API key are set and when, where declines go, and what happens on a match. Never the secrets.',
    tags: ['Integrations'],
    responses: {
      200: { description: 'The integration.', schema: calcomIntegrationViewSchema, examples: { set: { summary: 'Set, with decline', value: view } } },
    },
    errors: { 404: 'No such practice (or not one this key may read), or it has no Cal.com integration yet.' },
  },
  'POST /v1/integrations/calcom/{practiceId}': {
    operationId: 'receiveCalcomWebhook',
    summary: "Cal.com's webhook: screen a new booking",
    description: [
      "Cal.com calls this on each booking of the practice. There is no API key: the `X-Cal-Signature-256` header, the hex HMAC-SHA256 of the raw body under the practice's webhook secret, is checked over the bytes as received before anything else is read.\n\n",
      "`BOOKING_CREATED` and `BOOKING_REQUESTED` are screened: each attendee (`payload.attendees[]`: `name`, `email`, `phoneNumber`; for the booker also `payload.responses.attendeePhoneNumber.value` or `payload.smsReminderNumber`) exactly as `POST /v1/checks` screens a subject, audited and counted against the practice's quota like any check. Any other trigger event is acknowledged (200, `screened: false`) and ignored.\n\n",
      'On a match the practice hears `screening.booking_matched` on its notifications, and with `onMatch: decline` a strongly matching booking request is declined through Cal.com. ',
      'A delivery of a booking already answered (same `payload.uid`, kept 30 days) gets the same answer again, screened and counted once. Nothing the client typed is ever echoed.',
    ].join(''),
    tags: ['Integrations'],
    examples: { requested: { summary: "Cal.com's example booking, needing confirmation", value: calcomExample } },
    responses: {
      200: {
        description: 'The delivery was screened (or had been), or acknowledged and ignored.',
        schema: calcomAnswerSchema,
        examples: {
          declined: {
            summary: 'A strong match, declined',
            value: { triggerEvent: 'BOOKING_REQUESTED', screened: true, result: 'match', attendees: [strongMatch], bookingAction: 'declined' },
          },
          clean: {
            summary: 'No match',
            value: {
              triggerEvent: 'BOOKING_CREATED',
              screened: true,
              result: 'no_match',
              attendees: [{ attendee: 1, checkId: ex.checkId, result: 'no_match' }],
              bookingAction: 'none',
            },
          },
          ignored: {
            summary: 'Another trigger',
            value: {
              triggerEvent: 'MEETING_ENDED',
              screened: false,
              detail: 'Acknowledged and ignored: only BOOKING_CREATED and BOOKING_REQUESTED deliveries are screened, and this one is MEETING_ENDED.',
            },
          },
        },
      },
    },
    errors: {
      400: 'A signed body of another shape: `errors` names each field (e.g. `payload.attendees.0.email`).',
      401: "No `X-Cal-Signature-256`, or not the one the practice's secret makes over this body. Nothing was read or screened.",
      404: 'No such practice, or it has no Cal.com integration.',
      409: 'The same booking is being screened by another delivery right now; send it again.',
      429: "The practice's screening quota cannot take this booking's attendees now; retry after `Retry-After` seconds. Nothing was screened.",
    },
  },
});
