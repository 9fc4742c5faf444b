import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Cal.com's own example of a webhook delivery: the "An example webhook payload" of Cal.com's
 * webhooks guide (calcom/cal.com, docs/developing/guides/automation/webhooks.mdx, at commit
 * 119e1f4577ad33b8f8deb810ad892666a5672899), field for field except the attendee, whose
 * identifiers each test chooses. `status`, `smsReminderNumber` and `attendees[].phoneNumber` are
 * fields Cal.com's v2021-10-20 BookingPayloadBuilder also sends (packages/features/webhooks/lib/
 * factory/versioned/v2021-10-20/BookingPayloadBuilder.ts): BOOKING_REQUESTED carries status PENDING.
 */
export function calcomDelivery(
  options: { triggerEvent?: string; uid?: string; attendees?: Record<string, unknown>[]; responses?: Record<string, unknown>; smsReminderNumber?: string } = {},
): Record<string, unknown> {
  const triggerEvent = options.triggerEvent ?? 'BOOKING_CREATED';
  const attendees = options.attendees ?? [{ email: 'john.doe@example.com', name: 'John Doe', timeZone: 'Asia/Kolkata', language: { locale: 'en' } }];
  const booker = attendees[0] ?? {};
  return {
    triggerEvent,
    createdAt: '2023-05-24T09:30:00.538Z',
    payload: {
      type: '60min',
      title: '60min between Pro Example and John Doe',
      description: '',
      additionalNotes: '',
      customInputs: {},
      startTime: '2023-05-25T09:30:00Z',
      endTime: '2023-05-25T10:30:00Z',
      organizer: {
        id: 5,
        name: 'Pro Example',
        email: 'pro@example.com',
        username: 'pro',
        timeZone: 'Asia/Kolkata',
        language: { locale: 'en' },
        timeFormat: 'h:mma',
      },
      responses: {
        name: { label: 'your_name', value: booker.name },
        email: { label: 'email_address', value: booker.email },
        location: { label: 'location', value: { optionValue: '', value: 'inPerson' } },
        notes: { label: 'additional_notes' },
        guests: { label: 'additional_guests' },
        rescheduleReason: { label: 'reschedule_reason' },
        ...options.responses,
      },
      userFieldsResponses: {},
      attendees,
      location: 'Calcom HQ',
      destinationCalendar: {
        id: 10,
        integration: 'apple_calendar',
        externalId: 'https://caldav.icloud.com/1234567/calendars/XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX/',
        userId: 5,
        eventTypeId: null,
        credentialId: 1,
      },
      hideCalendarNotes: false,
      requiresConfirmation: triggerEvent === 'BOOKING_REQUESTED' ? true : null,
      eventTypeId: 7,
      seatsShowAttendees: true,
      seatsPerTimeSlot: null,
      uid: options.uid ?? 'bFJeNb2uX8ANpT3JL5EfXw',
      appsStatus: [{ appName: 'Apple Calendar', type: 'apple_calendar', success: 1, failures: 0, errors: [], warnings: [] }],
      eventTitle: '60min',
      eventDescription: '',
      price: 0,
      currency: 'usd',
      length: 60,
      bookingId: 91,
      metadata: {},
      status: triggerEvent === 'BOOKING_REQUESTED' ? 'PENDING' : 'ACCEPTED',
      ...(options.smsReminderNumber ? { smsReminderNumber: options.smsReminderNumber } : {}),
    },
  };
}

/** What Cal.com puts in X-Cal-Signature-256, computed as Cal.com computes it (hex HMAC-SHA256 of the body string). */
export const signCalcom = (secret: string, body: string | Buffer): string => createHmac('sha256', secret).update(body).digest('hex');

export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export interface CalcomStandIn {
  /** The API v2 base URL to configure (`http://127.0.0.1:<port>/v2`). */
  readonly baseUrl: string;
  readonly calls: RecordedCall[];
  /** The status the next calls are answered with (200 unless set). */
  answerWith(status: number): void;
  stop(): Promise<void>;
}

/**
 * A local stand-in for Cal.com's API v2: records each call and answers as Cal.com's decline
 * endpoint does (`{ status: "success", data: {…} }`), or with the status a test asks for.
 */
export async function startCalcomStandIn(): Promise<CalcomStandIn> {
  const calls: RecordedCall[] = [];
  let status = 200;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      calls.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(status < 300 ? { status: 'success', data: { status: 'rejected' } } : { status: 'error', error: { code: 'BadRequestException' } }));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v2`,
    calls,
    answerWith: (next) => {
      status = next;
    },
    stop: () => new Promise<void>((done) => server.close(() => done())),
  };
}
