import * as z from 'zod';
import { normaliseName, normalisePhone } from '../identifiers/normalise.ts';
import type { SubjectIdentifiers } from '../identifiers/recipes.ts';
import { parseInput } from '../schemas.ts';

/**
 * Cal.com's webhook body, version 2021-10-20: `{ triggerEvent, createdAt, payload }` (Cal.com's
 * packages/features/webhooks/lib/sendPayload.ts and
 * factory/versioned/v2021-10-20/BookingPayloadBuilder.ts). Only what screening needs is read;
 * every other field Cal.com sends is ignored, so a new Cal.com field never breaks a delivery.
 * Errors name the field and never quote a value.
 */

/** The deliveries that are screened: a new booking, and a booking request that waits for the practice's confirmation. */
export const screenedTriggers = ['BOOKING_CREATED', 'BOOKING_REQUESTED'] as const;
export type ScreenedTrigger = (typeof screenedTriggers)[number];

/** The most attendees (booker and guests) one delivery may carry; each is screened and counted. */
export const maxAttendees = 100;

const envelopeSchema = z.object({
  triggerEvent: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be a Cal.com trigger event such as BOOKING_CREATED'),
  createdAt: z.string().max(64).optional(),
  payload: z.unknown(),
});

const optionalString = z.string().nullish();

const attendeeSchema = z.object({
  name: optionalString,
  email: optionalString,
  /** Cal.com's attendee phone (set when the event type asks for one). */
  phoneNumber: optionalString,
});

/** A booking form answer as Cal.com sends it: `{ label, value }`. */
const formAnswer = z.object({ value: z.unknown() }).nullish();

const bookingSchema = z.object({
  /** Cal.com's booking uid (the id its API uses); short base58 or a UUID. */
  uid: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be a Cal.com booking uid (letters, digits, - and _)'),
  status: z.string().max(32).optional(),
  attendees: z.array(attendeeSchema).min(1, 'must hold at least one attendee').max(maxAttendees, `must hold at most ${maxAttendees} attendees`),
  responses: z
    .object({
      attendeePhoneNumber: formAnswer,
    })
    .nullish(),
  /** The phone of an SMS-reminder workflow, given by the booker. */
  smsReminderNumber: optionalString,
});

export type CalcomBooking = z.infer<typeof bookingSchema>;

/**
 * The delivery as the API document describes it: the envelope, and for the screened triggers the
 * booking fields that are read (every other field Cal.com sends is allowed and ignored).
 */
export const calcomDeliveryDocSchema = z
  .looseObject({
    triggerEvent: envelopeSchema.shape.triggerEvent.meta({
      description: "Cal.com's trigger event; BOOKING_CREATED and BOOKING_REQUESTED are screened, any other is acknowledged and ignored.",
    }),
    createdAt: envelopeSchema.shape.createdAt,
    payload: z
      .looseObject({
        uid: bookingSchema.shape.uid,
        status: bookingSchema.shape.status,
        attendees: z
          .array(z.looseObject(attendeeSchema.shape))
          .min(1)
          .max(maxAttendees)
          .meta({ description: 'The booker first, then guests: each is screened.' }),
        responses: z
          .looseObject({ attendeePhoneNumber: formAnswer })
          .nullish()
          .meta({ description: "The booking form's answers, `{ label, value }` each; `attendeePhoneNumber` is the booker's phone." }),
        smsReminderNumber: optionalString,
      })
      .meta({ description: 'The booking (Cal.com webhook payload version 2021-10-20).' }),
  })
  .meta({ id: 'CalcomDelivery', description: 'A Cal.com webhook delivery, `{ triggerEvent, createdAt, payload }`, signed in `X-Cal-Signature-256`.' });

export type CalcomDelivery =
  | { readonly triggerEvent: ScreenedTrigger; readonly booking: CalcomBooking }
  | { readonly triggerEvent: string; readonly booking?: undefined };

/** Reads a delivery's JSON: a screened trigger must carry a booking of the shape above; any other trigger is only named. */
export function parseCalcomDelivery(body: unknown): CalcomDelivery {
  const envelope = parseInput(envelopeSchema, body);
  if (!isScreened(envelope.triggerEvent)) return { triggerEvent: envelope.triggerEvent };
  return { triggerEvent: envelope.triggerEvent, booking: parseInput(bookingSchema, envelope.payload, 'payload') };
}

const isScreened = (trigger: string): trigger is ScreenedTrigger => (screenedTriggers as readonly string[]).includes(trigger);

const emailShape = z.email();

/**
 * The identifiers of each attendee, in Cal.com's order (the booker first, then guests), as far
 * as they are usable: a name with letters, an e-mail address, a phone number valid for the
 * region. The booker's phone may also come from the booking form (`responses.attendeePhoneNumber`)
 * or an SMS reminder (`smsReminderNumber`). An attendee with nothing usable is undefined (not screened).
 */
export function attendeeSubjects(booking: CalcomBooking, phoneRegion: string): (SubjectIdentifiers | undefined)[] {
  return booking.attendees.map((attendee, i) => {
    const formPhone = i === 0 ? [stringValue(booking.responses?.attendeePhoneNumber?.value), booking.smsReminderNumber] : [];
    const phone = [attendee.phoneNumber, ...formPhone].find((value) => usablePhone(value, phoneRegion));
    const subject: SubjectIdentifiers = {
      ...(usableName(attendee.name) ? { fullName: attendee.name! } : {}),
      ...(usableEmail(attendee.email) ? { email: attendee.email!.trim() } : {}),
      ...(phone ? { phone } : {}),
    };
    return Object.keys(subject).length > 0 ? subject : undefined;
  });
}

const stringValue = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const usableName = (value: string | null | undefined) => !!value && value.length <= 200 && normaliseName(value) !== '';
const usableEmail = (value: string | null | undefined) => !!value && value.trim().length <= 254 && emailShape.safeParse(value.trim()).success;
const usablePhone = (value: string | null | undefined, region: string): value is string =>
  !!value && value.length <= 40 && normalisePhone(value, region) !== undefined;
