import type { CalcomApi } from '../ports.ts';

/** The Cal.com API v2 version whose `POST /v2/bookings/{uid}/decline` this adapter speaks. */
export const calcomApiVersion = '2024-08-13';

/** How long Cal.com gets to answer: the webhook that asked is itself waiting. */
const timeoutMs = 5_000;

/**
 * Cal.com's API over HTTPS with the practice's own API key: `POST {base}/bookings/{uid}/decline`
 * with `cal-api-version: 2024-08-13` and `{ "reason": … }` (Cal.com's `DeclineBookingInput_2024_08_13`,
 * apps/api/v2 bookings controller). Redirects are not followed, nothing of the answer is kept,
 * and an error names only the status, never the body (which may quote the booking).
 */
export function buildCalcomApi(fetchImpl: typeof fetch = fetch): CalcomApi {
  return {
    declineBooking: async ({ apiBaseUrl, apiKey, bookingUid, reason }) => {
      const url = `${apiBaseUrl.replace(/\/+$/, '')}/bookings/${encodeURIComponent(bookingUid)}/decline`;
      const response = await fetchImpl(url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        headers: { Authorization: `Bearer ${apiKey}`, 'cal-api-version': calcomApiVersion, 'Content-Type': 'application/json' },
        body: JSON.stringify({ reason }),
      });
      await response.body?.cancel();
      if (!response.ok) throw new CalcomApiError(response.status);
    },
  };
}

export class CalcomApiError extends Error {
  override readonly name = 'CalcomApiError';
  constructor(readonly status: number) {
    super(`Cal.com answered ${status}`);
  }
}
