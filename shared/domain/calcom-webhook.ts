import type { Deps } from '../deps.ts';
import { sha256Hex } from '../canonical.ts';
import { addDays, isoInstant } from '../dates.ts';
import { ConflictError, errorName, NotFoundError, SignatureError } from '../errors.ts';
import { isId } from '../ids.ts';
import { attendeeSubjects, parseCalcomDelivery, type ScreenedTrigger } from '../integrations/calcom-payload.ts';
import { calcomSignatureHeader, signatureMatches } from '../integrations/calcom-signature.ts';
import type { AuditActor, BookingAction, CalcomIntegration } from '../records.ts';
import { screenBookings, type CheckResult } from './checks.ts';
import { secretContext } from './integrations.ts';
import { notifySafely } from './notify.ts';

/** One attendee's answer, by position in Cal.com's list (1 = the booker); never an identifier. */
export type AttendeeResult = ({ attendee: number } & CheckResult) | { attendee: number; result: 'not_screened'; reason: string };

export type CalcomAnswer =
  | { triggerEvent: string; screened: false; detail: string }
  | { triggerEvent: ScreenedTrigger; screened: true; result: 'match' | 'no_match'; attendees: AttendeeResult[]; bookingAction: BookingAction };

export interface CalcomDelivery {
  /** The body exactly as received: the signature covers these bytes. */
  readonly body: Uint8Array;
  /** The `X-Cal-Signature-256` header. */
  readonly signature: string | undefined;
  /** The body read as JSON (content type, UTF-8, syntax), called only once the signature holds. */
  readonly json: () => unknown;
}

/** A delivery being screened holds its booking this long; a crash half-way frees it after that. */
const claimLeaseSeconds = 60;
/** A booking's answer is kept this long: Cal.com sends BOOKING_CREATED again when a requested booking is confirmed, days later. */
const deliveryMemoryDays = 30;

/** The audit log's actor for a delivery: the practice's Cal.com, authenticated by its signature. */
const calcomActor = (practiceId: string): AuditActor => ({ keyId: 'integration:calcom', role: 'system', practiceId });

/**
 * A Cal.com webhook delivery for a practice. In this order, so that nothing is screened (or even
 * parsed) for a caller who cannot sign: the practice must have an integration (404), the
 * signature must be the hex HMAC-SHA256 of the raw body under its secret (401), the body must be
 * Cal.com's JSON (400 naming the field). BOOKING_CREATED and BOOKING_REQUESTED are screened,
 * attendee by attendee, exactly as POST /v1/checks/batch screens (same tokens, quota and audit
 * entry); any other trigger is acknowledged and ignored. A booking already answered (same
 * booking uid) gets the same answer again without being screened again.
 */
export async function receiveCalcomDelivery(deps: Deps, practiceId: string, delivery: CalcomDelivery): Promise<CalcomAnswer> {
  const integration = isId(practiceId, 'prc') ? await deps.integrations.getCalcom(practiceId) : undefined;
  if (!integration) {
    throw new NotFoundError('No Cal.com integration is set up for this practice; check the Subscriber URL, or set the integration up first.');
  }
  const secret = await webhookSecret(deps, integration);
  if (!signatureMatches(secret, delivery.body, delivery.signature)) {
    throw new SignatureError(
      delivery.signature === undefined
        ? `The delivery has no ${calcomSignatureHeader} header: give the Cal.com webhook the secret set for this practice.`
        : `The ${calcomSignatureHeader} header is not the HMAC-SHA256 of this body under the secret set for this practice: give the Cal.com webhook the same secret.`,
    );
  }
  const parsed = parseCalcomDelivery(delivery.json());
  if (!parsed.booking) {
    return {
      triggerEvent: parsed.triggerEvent,
      screened: false,
      detail: `Acknowledged and ignored: only BOOKING_CREATED and BOOKING_REQUESTED deliveries are screened, and this one is ${parsed.triggerEvent}.`,
    };
  }
  const triggerEvent = parsed.triggerEvent as ScreenedTrigger;
  const booking = parsed.booking;

  // The booking uid is Cal.com's; only its digest is kept, beside the answer.
  const deliveryKey = sha256Hex(`calcom-booking|${booking.uid}`);
  const claim = await deps.integrations.claimDelivery(practiceId, deliveryKey, deps.clock(), claimLeaseSeconds);
  if (!claim.claimed) {
    if (claim.response !== undefined) return claim.response as CalcomAnswer;
    throw new ConflictError('Another delivery of this booking is being screened right now; Cal.com can send it again in a minute.');
  }

  let attendees: AttendeeResult[];
  try {
    attendees = await screenAttendees(deps, practiceId, triggerEvent, attendeeSubjects(booking, deps.settings.phoneRegion));
  } catch (error) {
    // Nothing was answered: a retry of this delivery must be screened (a refused one was neither counted nor audited).
    await deps.integrations
      .releaseDelivery(practiceId, deliveryKey)
      .catch((releaseError: unknown) => deps.logger.warn('delivery claim release failed', { practiceId, errorName: errorName(releaseError) }));
    throw error;
  }

  const matched = strongestMatch(attendees);
  const bookingAction = matched ? await actOnMatch(deps, integration, triggerEvent, booking.uid, matched) : 'none';
  const answer: CalcomAnswer = { triggerEvent, screened: true, result: matched ? 'match' : 'no_match', attendees, bookingAction };
  if (matched) {
    const [top] = matched.alerts;
    await notifySafely(deps, {
      topic: 'practices',
      type: 'screening.booking_matched',
      practiceId,
      source: 'calcom',
      bookingUid: booking.uid,
      checkId: matched.checkId,
      confidence: matched.confidence,
      category: top!.category,
      severity: top!.severity,
      bookingAction,
      at: isoInstant(deps.clock()),
    });
  }
  try {
    await deps.integrations.completeDelivery(practiceId, deliveryKey, answer, addDays(deps.clock(), deliveryMemoryDays));
  } catch (error) {
    // Screened, counted and audited already: answer anyway; the claim lapses and a replay after it is screened again.
    deps.logger.warn('delivery answer not stored', { practiceId, errorName: errorName(error) });
  }
  return answer;
}

async function screenAttendees(
  deps: Deps,
  practiceId: string,
  triggerEvent: ScreenedTrigger,
  subjects: ReturnType<typeof attendeeSubjects>,
): Promise<AttendeeResult[]> {
  const usable = subjects.flatMap((subject, i) => (subject ? [{ attendee: i + 1, subject }] : []));
  const results =
    usable.length === 0
      ? []
      : await screenBookings(
          deps,
          { practiceId, actor: calcomActor(practiceId), detail: { source: 'calcom', trigger: triggerEvent } },
          usable.map(({ subject }) => ({ subject })),
        );
  const byAttendee = new Map(usable.map(({ attendee }, i) => [attendee, results[i]!]));
  return subjects.map((_, i) => {
    const result = byAttendee.get(i + 1);
    return result
      ? { attendee: i + 1, ...result }
      : { attendee: i + 1, result: 'not_screened' as const, reason: 'The attendee has no usable name, e-mail or phone number.' };
  });
}

type Match = Extract<AttendeeResult, { result: 'match' }>;

/** The attendee whose match weighs most: a strong match before a possible one, then the most severe alert. */
function strongestMatch(attendees: readonly AttendeeResult[]): Match | undefined {
  const rank = { high: 0, medium: 1, low: 2 } as const;
  return attendees
    .filter((attendee): attendee is Match => attendee.result === 'match')
    .sort((a, b) => Number(a.confidence !== 'strong') - Number(b.confidence !== 'strong') || rank[a.alerts[0]!.severity] - rank[b.alerts[0]!.severity])[0];
}

/**
 * Declines the booking through Cal.com's API when the practice asked for that, the booking is a
 * request waiting for its confirmation (BOOKING_REQUESTED; an accepted booking is left for the
 * practice to handle), and the match is strong (a name alone is never enough to refuse someone).
 * A refusal or silence from Cal.com is reported, never fatal: the practice is told either way.
 */
async function actOnMatch(deps: Deps, integration: CalcomIntegration, trigger: ScreenedTrigger, bookingUid: string, match: Match): Promise<BookingAction> {
  if (integration.onMatch !== 'decline' || trigger !== 'BOOKING_REQUESTED' || match.confidence !== 'strong' || !integration.apiKeyCiphertext) return 'none';
  const { practiceId } = integration;
  let action: BookingAction;
  try {
    const apiKey = await deps.cipher.decrypt(integration.apiKeyCiphertext, secretContext(practiceId, 'calcom-api-key'));
    await deps.calcom.declineBooking({ apiBaseUrl: integration.apiBaseUrl, apiKey, bookingUid, reason: integration.declineReason });
    action = 'declined';
  } catch (error) {
    deps.logger.warn('cal.com decline failed', {
      practiceId,
      checkId: match.checkId,
      errorName: errorName(error),
      status: (error as { status?: number }).status,
    });
    action = 'decline_failed';
  }
  const now = deps.clock();
  await deps.audit.append(
    [
      {
        action: 'booking.declined',
        actor: calcomActor(practiceId),
        targets: { practiceId, checkId: match.checkId },
        outcome: action === 'declined' ? 'success' : 'failed',
        detail: { provider: 'calcom' },
      },
    ],
    now,
  );
  return action;
}

/**
 * Decrypted webhook secrets, by ciphertext (a new secret is a new ciphertext), so a stream of
 * deliveries, signed or not, costs a database read each and not a KMS call each.
 */
const secrets = new Map<string, string>();
const maxCachedSecrets = 500;

async function webhookSecret(deps: Pick<Deps, 'cipher'>, integration: CalcomIntegration): Promise<string> {
  const cached = secrets.get(integration.webhookSecretCiphertext);
  if (cached !== undefined) return cached;
  const secret = await deps.cipher.decrypt(integration.webhookSecretCiphertext, secretContext(integration.practiceId, 'calcom-webhook-secret'));
  if (secrets.size >= maxCachedSecrets) secrets.delete(secrets.keys().next().value!);
  secrets.set(integration.webhookSecretCiphertext, secret);
  return secret;
}
