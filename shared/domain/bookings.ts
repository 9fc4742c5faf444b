import type { Deps } from '../deps.ts';
import { addDays, isoDate, isoInstant } from '../dates.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { auditActor } from '../audit/events.ts';
import { lookupTokens } from '../identifiers/tokens.ts';
import type { Keyring } from '../ports.ts';
import type { BookingRegistration, Principal, RegisteredBookingView } from '../records.ts';
import type { BookingRegistrationInput } from '../schemas.ts';
import { screenBookings, type CheckResult } from './checks.ts';

/** How far ahead an appointment may be registered. */
export const maxDaysAhead = 366;

/**
 * The answer to a registration: the check's answer (the booking is screened at once), with the
 * ref, the appointment date and until when the registration is kept.
 */
export type RegistrationResult = CheckResult & { ref: string; appointmentOn: string; keptUntil: string };

/**
 * Registers an upcoming booking: it is screened at once exactly as POST /v1/checks screens a
 * booking (same tokens, same quota, same audit entry), and its tokens (never its identifiers)
 * are kept, indexed by token, until the day after the appointment, so that an alert published
 * before then finds it (shared/domain/rescreen.ts).
 *
 * A ref the practice registered before is registered again: screened again (a new answer is a
 * new check, counted and audited like any), and the stored registration replaced, so sending
 * the same booking twice leaves one registration (201 the first time, 200 after).
 */
export async function registerBooking(
  deps: Deps,
  practice: Principal,
  input: BookingRegistrationInput,
): Promise<{ created: boolean; result: RegistrationResult }> {
  const practiceId = practiceOf(practice);
  const now = deps.clock();
  assertAppointmentDate(input.appointmentOn, now);
  // One MAC per message for the screening and for the stored tokens alike (one KMS request each in AWS).
  const keyring = memoisedKeyring(deps.keyring);
  const [previous, [result], tokens] = await Promise.all([
    deps.bookings.get(practiceId, input.ref),
    screenBookings({ ...deps, keyring }, { practiceId, actor: auditActor(practice), detail: { registration: true } }, [
      { subject: input.subject, bookingOn: input.appointmentOn },
    ]),
    lookupTokens(keyring, input.subject, deps.settings.phoneRegion),
  ]);
  const registration: BookingRegistration = {
    practiceId,
    ref: input.ref,
    appointmentOn: input.appointmentOn,
    registeredAt: isoInstant(now),
    checkId: result!.checkId,
    expiresAt: registrationExpiry(input.appointmentOn),
    tokens,
  };
  await deps.bookings.register(registration, previous, {
    events: [
      {
        action: 'booking.registered',
        actor: auditActor(practice),
        // The ref is the practice's own text and is not kept in the log (as for a batch check); the check id ties the two.
        targets: { practiceId, checkId: registration.checkId },
        outcome: previous ? 'replaced' : 'registered',
        detail: { appointmentOn: registration.appointmentOn, tokens: tokens.length },
      },
    ],
    now,
  });
  return { created: !previous, result: { ref: input.ref, appointmentOn: input.appointmentOn, keptUntil: registration.expiresAt, ...result! } };
}

/** The practice's registered bookings, soonest appointment first, each with what re-screening has found since. */
export async function listBookings(deps: Deps, practice: Principal): Promise<{ items: RegisteredBookingView[] }> {
  const practiceId = practiceOf(practice);
  const now = deps.clock().getTime();
  const stored = await deps.bookings.list(practiceId);
  const items = stored
    .filter(({ registration }) => Date.parse(registration.expiresAt) > now)
    .map(({ registration, matches }) => ({
      ref: registration.ref,
      appointmentOn: registration.appointmentOn,
      registeredAt: registration.registeredAt,
      checkId: registration.checkId,
      matches: matches.map(({ alertId: _alertId, ...match }) => match).sort((a, b) => b.matchedAt.localeCompare(a.matchedAt)),
    }))
    .sort((a, b) => a.appointmentOn.localeCompare(b.appointmentOn) || a.ref.localeCompare(b.ref));
  return { items };
}

/** Cancels a registration: it, its matches and its index items are deleted (audited). Another practice's ref is simply not found. */
export async function cancelBooking(deps: Deps, practice: Principal, ref: string): Promise<void> {
  const practiceId = practiceOf(practice);
  const now = deps.clock();
  const registration = await deps.bookings.get(practiceId, ref);
  if (!registration || Date.parse(registration.expiresAt) <= now.getTime()) throw new NotFoundError('No such booking registration.');
  await deps.bookings.cancel(registration, {
    events: [{ action: 'booking.cancelled', actor: auditActor(practice), targets: { practiceId, checkId: registration.checkId }, outcome: 'cancelled' }],
    now,
  });
}

/** Deletes the registrations kept past their expiry (what DynamoDB's TTL does in AWS, late or, locally, never). */
export const removeExpiredRegistrations = (deps: Pick<Deps, 'bookings' | 'clock'>): Promise<number> => deps.bookings.removeExpired(isoInstant(deps.clock()));

/** Kept through the day after the appointment: gone from midnight UTC at the end of that day. */
export const registrationExpiry = (appointmentOn: string): string => isoInstant(addDays(new Date(`${appointmentOn}T00:00:00Z`), 2));

/**
 * Not in the past and at most a year ahead. "Today" is a practice's own date, which in the
 * earliest time zones is still yesterday in UTC: a date from yesterday (UTC) on is accepted.
 */
function assertAppointmentDate(appointmentOn: string, now: Date): void {
  const earliest = isoDate(addDays(now, -1));
  const latest = isoDate(addDays(now, maxDaysAhead));
  if (appointmentOn < earliest) throw ValidationError.field('appointmentOn', 'is in the past; register upcoming appointments only');
  if (appointmentOn > latest) throw ValidationError.field('appointmentOn', `is more than a year ahead (the latest is ${latest})`);
}

function practiceOf(practice: Principal): string {
  if (!practice.practiceId) throw new ForbiddenError('This API key belongs to no practice.');
  return practice.practiceId;
}

/**
 * The keyring, remembering each MAC it made for this request: the screening and the stored
 * tokens need the same messages. The memo lives in this request's memory only.
 */
function memoisedKeyring(keyring: Keyring): Keyring {
  const made = new Map<string, Promise<Uint8Array>>();
  return {
    version: keyring.version,
    previous: keyring.previous?.map(memoisedKeyring),
    mac: (message) => {
      let mac = made.get(message);
      if (!mac) made.set(message, (mac = keyring.mac(message)));
      return mac;
    },
  };
}
