import * as z from 'zod';
import { idempotencyKeySchema, reasonSchema, submitAlertSchema } from '../../schemas.ts';
import { alertParams } from '../params.ts';
import { defineRequests } from '../define.ts';

/** What the alert routes take. */
export const alertsRequests = /* @__PURE__ */ defineRequests('alerts', {
  'POST /v1/alerts': {
    headers: z.object({
      'Idempotency-Key': idempotencyKeySchema
        .optional()
        .meta({ description: 'Makes a retry safe: one key of printable ASCII without spaces or commas, at most 128 characters.', examples: ['harbour-2026-11-03-001'] }),
    }),
    body: submitAlertSchema,
  },
  'GET /v1/alerts/{alertId}': { params: alertParams },
  'POST /v1/alerts/{alertId}/retract': { params: alertParams, body: reasonSchema },
  'POST /v1/alerts/{alertId}/disputes': { params: alertParams, body: reasonSchema },
  'POST /v1/alerts/{alertId}/reinstate': { params: alertParams, body: reasonSchema },
});
