import * as z from 'zod';
import { calcomDeliveryDocSchema } from '../../integrations/calcom-payload.ts';
import { calcomIntegrationSchema } from '../../schemas.ts';
import { defineRequests } from '../define.ts';
import { idOf } from '../params.ts';

/** The path parameter of the integration routes. */
export const practiceParams = z.strictObject({ practiceId: idOf('prc', 'The practice id.') });

/** What the integration routes take. */
export const integrationsRequests = /* @__PURE__ */ defineRequests('integrations', {
  'PUT /v1/practices/{practiceId}/integrations/calcom': { params: practiceParams, body: calcomIntegrationSchema },
  'GET /v1/practices/{practiceId}/integrations/calcom': { params: practiceParams },
  'POST /v1/integrations/calcom/{practiceId}': {
    params: practiceParams,
    headers: z.object({
      'X-Cal-Signature-256': z
        .string()
        .optional()
        .meta({
          description: 'The hex HMAC-SHA256 of the raw body under the webhook secret, as Cal.com sends it. Missing or wrong: 401.',
          examples: ['9f2c6a0d4b1e8f73a5c2d9e0b4f6a1c3d5e7f9a1b3c5d7e9f0a2b4c6d8e0f1a2'],
        }),
    }),
    // Read by the handler after the signature holds, not by the pipeline: the signature covers the raw bytes.
    body: calcomDeliveryDocSchema,
    rawBody: true,
  },
});
