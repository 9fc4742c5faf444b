import { receiveCalcomDelivery } from '#shared/domain/calcom-webhook.ts';
import { configureCalcom, getCalcom } from '#shared/domain/integrations.ts';
import type { integrationsContract } from '#shared/contract/integrations.ts';
import { integrationsRequests } from '#shared/contract/requests/integrations.ts';
import { createGroupHandler, type DepsSource } from './http/group-handler.ts';
import { lambdaDeps } from './http/lambda-deps.ts';

/**
 * Booking software: a practice's Cal.com integration (set by an admin or the practice itself),
 * and the webhook Cal.com calls on each booking, authenticated by its signature instead of a key.
 */
export const createIntegrationsHandler = (deps: DepsSource) =>
  createGroupHandler<typeof integrationsContract>(
    integrationsRequests,
    {
      'PUT /v1/practices/{practiceId}/integrations/calcom': async (request, deps) => ({
        status: 200,
        body: await configureCalcom(deps, request.principal, request.params.practiceId, request.body),
      }),
      'GET /v1/practices/{practiceId}/integrations/calcom': async (request, deps) => ({
        status: 200,
        body: await getCalcom(deps, request.principal, request.params.practiceId),
      }),
      'POST /v1/integrations/calcom/{practiceId}': async (request, deps) => ({
        status: 200,
        body: await receiveCalcomDelivery(deps, request.params.practiceId, {
          body: request.rawBody.bytes,
          signature: request.headers['X-Cal-Signature-256'],
          json: request.rawBody.json,
        }),
      }),
    },
    deps,
  );

export const handler = createIntegrationsHandler(lambdaDeps);
