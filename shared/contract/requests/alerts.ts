import * as z from 'zod';
import { idempotencyKeySchema, reasonSchema, submitAlertSchema } from '../../schemas.ts';
import { alertStatuses } from '../../records.ts';
import { decodeListCursor, defaultListLimit, maxListLimit } from '../../domain/alert-lists.ts';
import { alertParams } from '../params.ts';
import { defineRequests } from '../define.ts';

const limitMessage = `must be a whole number from 1 to ${maxListLimit}`;

/** GET /v1/alerts's query string: one 400 entry per bad parameter. */
export const listAlertsQuerySchema = z.strictObject({
  status: z
    .enum(alertStatuses, `must be one of ${alertStatuses.join(', ')}`)
    .optional()
    .meta({ description: 'Only alerts a reader sees in this status now (a published alert past its expiry is `expired`).' }),
  limit: z
    .string()
    .regex(/^[0-9]{1,3}$/, limitMessage)
    .transform(Number)
    .pipe(z.number().int().min(1, limitMessage).max(maxListLimit, limitMessage))
    .optional()
    .meta({ description: `How many alerts a page holds: 1 to ${maxListLimit}, ${defaultListLimit} when left out.`, examples: ['25'] }),
  cursor: z
    .string()
    .max(200, 'is not a cursor this API issued; start again without one')
    .transform((value, ctx) => {
      const before = decodeListCursor(value);
      if (!before) ctx.addIssue({ code: 'custom', message: 'is not a cursor this API issued; start again without one' });
      return before ?? z.NEVER;
    })
    .optional()
    .meta({ description: "The previous page's `nextCursor`, as it was given: the page after it." }),
});

/** What the alert routes take. */
export const alertsRequests = /* @__PURE__ */ defineRequests('alerts', {
  'POST /v1/alerts': {
    headers: z.object({
      'Idempotency-Key': idempotencyKeySchema.optional().meta({
        description: 'Makes a retry safe: one key of printable ASCII without spaces or commas, at most 128 characters.',
        examples: ['harbour-2026-11-03-001'],
      }),
    }),
    body: submitAlertSchema,
  },
  'GET /v1/alerts': { query: listAlertsQuerySchema },
  'GET /v1/alerts/{alertId}': { params: alertParams },
  'POST /v1/alerts/{alertId}/retract': { params: alertParams, body: reasonSchema },
  'POST /v1/alerts/{alertId}/disputes': { params: alertParams, body: reasonSchema },
  'POST /v1/alerts/{alertId}/reinstate': { params: alertParams, body: reasonSchema },
});
