import * as z from 'zod';
import { bookingRefSchema, bookingRegistrationSchema, matchDigestSchema } from '../../schemas.ts';
import { defineRequests } from '../define.ts';
import { alertParams } from '../params.ts';

/** The path parameter of DELETE /v1/bookings/{ref}: a ref as registered (anything else is no such booking, 404). */
export const bookingParams = z.strictObject({ ref: bookingRefSchema.meta({ description: 'The booking ref as registered.' }) });

/** What the re-screening routes take. */
export const bookingsRequests = /* @__PURE__ */ defineRequests('bookings', {
  'POST /v1/bookings': { body: bookingRegistrationSchema },
  'GET /v1/bookings': {},
  'DELETE /v1/bookings/{ref}': { params: bookingParams },
  'GET /v1/alerts/{alertId}/match-digest': { params: alertParams },
  'PUT /v1/alerts/{alertId}/match-digest': { params: alertParams, body: matchDigestSchema },
});
