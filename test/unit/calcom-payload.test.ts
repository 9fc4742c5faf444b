import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#shared/errors.ts';
import { attendeeSubjects, parseCalcomDelivery, type CalcomBooking } from '#shared/integrations/calcom-payload.ts';
import { calcomSignature, signatureMatches } from '#shared/integrations/calcom-signature.ts';
import { calcomDelivery } from '../support/calcom.ts';

const secret = 'whsec-test-0123456789abcdef';

describe('the X-Cal-Signature-256 signature', () => {
  const body = Buffer.from(JSON.stringify(calcomDelivery()), 'utf8');

  it('is the hex HMAC-SHA256 of the raw body under the secret, as Cal.com computes it', () => {
    const expected = createHmac('sha256', secret).update(body.toString('utf8')).digest('hex');
    expect(calcomSignature(secret, body)).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
    expect(signatureMatches(secret, body, expected)).toBe(true);
    expect(signatureMatches(secret, body, expected.toUpperCase())).toBe(true);
  });

  it('fails for another secret, one changed byte, or re-serialised JSON with the same meaning', () => {
    const signature = calcomSignature(secret, body);
    expect(signatureMatches(`${secret}x`, body, signature)).toBe(false);
    const changed = Buffer.from(body);
    changed.writeUInt8(changed.readUInt8(changed.length - 2) ^ 1, changed.length - 2);
    expect(signatureMatches(secret, changed, signature)).toBe(false);
    const reformatted = Buffer.from(JSON.stringify(calcomDelivery(), null, 2), 'utf8');
    expect(signatureMatches(secret, reformatted, signature)).toBe(false);
  });

  it.each([undefined, '', 'no-secret-provided', 'abc', 'z'.repeat(64), `${'0'.repeat(64)}00`])('fails for the header %j', (header) => {
    expect(signatureMatches(secret, body, header)).toBe(false);
  });
});

describe('parseCalcomDelivery', () => {
  it("reads Cal.com's own example delivery", () => {
    const parsed = parseCalcomDelivery(calcomDelivery());
    expect(parsed.triggerEvent).toBe('BOOKING_CREATED');
    expect(parsed.booking).toMatchObject({
      uid: 'bFJeNb2uX8ANpT3JL5EfXw',
      status: 'ACCEPTED',
      attendees: [{ name: 'John Doe', email: 'john.doe@example.com' }],
    });
  });

  it('reads a BOOKING_REQUESTED delivery (a booking that waits for confirmation)', () => {
    expect(parseCalcomDelivery(calcomDelivery({ triggerEvent: 'BOOKING_REQUESTED' })).booking).toMatchObject({ status: 'PENDING' });
  });

  it('names other trigger events without reading their payload', () => {
    expect(parseCalcomDelivery({ triggerEvent: 'MEETING_ENDED', createdAt: '2023-05-24T09:30:00.538Z', payload: 'anything' })).toEqual({
      triggerEvent: 'MEETING_ENDED',
    });
    expect(parseCalcomDelivery({ triggerEvent: 'PING', payload: {} })).toEqual({ triggerEvent: 'PING' });
  });

  const fieldErrors = (body: unknown) => {
    try {
      parseCalcomDelivery(body);
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      return (error as ValidationError).errors!.map(({ path }) => path);
    }
    return expect.unreachable('the body was accepted');
  };
  const payload = (change: Record<string, unknown>) => {
    const body = calcomDelivery();
    return { ...body, payload: { ...(body.payload as object), ...change } };
  };

  it.each([
    ['no body', undefined, ['(body)']],
    ['no trigger event', { payload: {} }, ['triggerEvent']],
    ['a trigger event that is not one', { triggerEvent: 'booking created', payload: {} }, ['triggerEvent']],
    ['no payload', { triggerEvent: 'BOOKING_CREATED' }, ['payload']],
    ['no uid', payload({ uid: undefined }), ['payload.uid']],
    ['a uid with spaces', payload({ uid: 'not a uid' }), ['payload.uid']],
    ['attendees that are not a list', payload({ attendees: { name: 'x' } }), ['payload.attendees']],
    ['no attendee', payload({ attendees: [] }), ['payload.attendees']],
    ['an e-mail that is a number', payload({ attendees: [{ name: 'A', email: 5 }] }), ['payload.attendees.0.email']],
    ['a phone that is an object', payload({ attendees: [{ name: 'A' }, { name: 'B', phoneNumber: { n: 1 } }] }), ['payload.attendees.1.phoneNumber']],
    ['responses that are a list', payload({ responses: [] }), ['payload.responses']],
    ['an SMS number that is a number', payload({ smsReminderNumber: 8605550100 }), ['payload.smsReminderNumber']],
  ])('refuses %s, naming the field', (_name, body, paths) => {
    expect(fieldErrors(body)).toEqual(paths);
  });

  it('refuses more than 100 attendees', () => {
    expect(fieldErrors(payload({ attendees: Array.from({ length: 101 }, (_, i) => ({ name: `Guest ${i}` })) }))).toEqual(['payload.attendees']);
  });

  it('never quotes a value in its messages', () => {
    try {
      parseCalcomDelivery(payload({ uid: 'Zebulon Quillfeather', attendees: [{ name: 'Zebulon', email: 42 }] }));
      expect.unreachable();
    } catch (error) {
      expect(JSON.stringify((error as ValidationError).errors)).not.toMatch(/Zebulon|Quillfeather|42/);
    }
  });
});

describe('attendeeSubjects', () => {
  const booking = (change: Partial<CalcomBooking>): CalcomBooking => ({ uid: 'u1', attendees: [{ name: 'Ann Lee', email: 'ann@example.org' }], ...change });

  it("takes each attendee's name, e-mail and phone, booker first, guests after", () => {
    expect(
      attendeeSubjects(
        booking({
          attendees: [
            { name: 'Ann Lee', email: 'ann@example.org', phoneNumber: '+1 860 555 0100' },
            { name: 'Bo Guest', email: ' bo@example.org ' },
          ],
        }),
        'US',
      ),
    ).toEqual([
      { fullName: 'Ann Lee', email: 'ann@example.org', phone: '+1 860 555 0100' },
      { fullName: 'Bo Guest', email: 'bo@example.org' },
    ]);
  });

  it("takes the booker's phone from the booking form's attendeePhoneNumber, else from smsReminderNumber", () => {
    const form = { attendeePhoneNumber: { label: 'phone_number', value: '(860) 555-0101' } };
    expect(attendeeSubjects(booking({ responses: form, smsReminderNumber: '+18605550102' }), 'US')[0]).toMatchObject({ phone: '(860) 555-0101' });
    expect(attendeeSubjects(booking({ smsReminderNumber: '+18605550102' }), 'US')[0]).toMatchObject({ phone: '+18605550102' });
    // The attendee's own phoneNumber comes first; a guest never gets the booker's form phone.
    const both = booking({ attendees: [{ name: 'Ann Lee', phoneNumber: '860-555-0103' }, { name: 'Bo Guest' }], responses: form });
    expect(attendeeSubjects(both, 'US')).toEqual([{ fullName: 'Ann Lee', phone: '860-555-0103' }, { fullName: 'Bo Guest' }]);
  });

  it('drops values that cannot be screened, and leaves an attendee with none unscreened', () => {
    const subjects = attendeeSubjects(
      booking({
        attendees: [
          { name: '!!!', email: 'not-an-address', phoneNumber: '12' },
          { name: 'Ann Lee', email: null, phoneNumber: null },
          { name: 'x'.repeat(201), email: 'ok@example.org' },
        ],
        smsReminderNumber: 'call me',
      }),
      'US',
    );
    expect(subjects).toEqual([undefined, { fullName: 'Ann Lee' }, { email: 'ok@example.org' }]);
  });
});
