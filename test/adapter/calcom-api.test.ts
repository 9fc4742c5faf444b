import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCalcomApi, calcomApiVersion, CalcomApiError } from '#shared/adapters/calcom-api.ts';
import { startCalcomStandIn, type CalcomStandIn } from '../support/calcom.ts';

/** The HTTP adapter against a local stand-in for Cal.com's API v2 that records each call. */
let calcom: CalcomStandIn;
beforeAll(async () => {
  calcom = await startCalcomStandIn();
});
afterAll(() => calcom.stop());

describe('Cal.com API adapter: declineBooking', () => {
  it("POSTs {base}/bookings/{uid}/decline with the practice's API key, the API version header and the reason", async () => {
    calcom.answerWith(200);
    await buildCalcomApi().declineBooking({
      apiBaseUrl: `${calcom.baseUrl}/`,
      apiKey: 'cal_test_key_123',
      bookingUid: 'bFJeNb2uX8ANpT3JL5EfXw',
      reason: 'Unavailable.',
    });
    const call = calcom.calls.at(-1)!;
    expect(call).toMatchObject({ method: 'POST', path: '/v2/bookings/bFJeNb2uX8ANpT3JL5EfXw/decline', body: JSON.stringify({ reason: 'Unavailable.' }) });
    expect(call.headers.authorization).toBe('Bearer cal_test_key_123');
    expect(call.headers['cal-api-version']).toBe(calcomApiVersion);
    expect(call.headers['content-type']).toBe('application/json');
  });

  it('throws an error naming only the status when Cal.com refuses', async () => {
    calcom.answerWith(400);
    const attempt = buildCalcomApi().declineBooking({ apiBaseUrl: calcom.baseUrl, apiKey: 'cal_test_key_123', bookingUid: 'u-2', reason: 'Unavailable.' });
    await expect(attempt).rejects.toBeInstanceOf(CalcomApiError);
    await expect(attempt).rejects.toMatchObject({ status: 400, message: 'Cal.com answered 400' });
  });

  it('does not follow a redirect (the API key never goes anywhere else)', async () => {
    calcom.answerWith(307);
    await expect(buildCalcomApi().declineBooking({ apiBaseUrl: calcom.baseUrl, apiKey: 'k'.repeat(10), bookingUid: 'u-3', reason: 'r' })).rejects.toMatchObject(
      { status: 307 },
    );
  });

  it('fails when nothing answers', async () => {
    await expect(
      buildCalcomApi().declineBooking({ apiBaseUrl: 'http://127.0.0.1:1/v2', apiKey: 'k'.repeat(10), bookingUid: 'u-4', reason: 'r' }),
    ).rejects.toThrow();
  });
});
