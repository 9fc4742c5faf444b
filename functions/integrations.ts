import { receiveCalcomDelivery } from '#shared/domain/calcom-webhook.ts';
import { configureCalcom, getCalcom } from '#shared/domain/integrations.ts';
import { calcomSignatureHeader } from '#shared/integrations/calcom-signature.ts';
import { calcomIntegrationSchema, parseInput } from '#shared/schemas.ts';
import { createGroupHandler, type DepsSource } from './http/group-handler.ts';
import { lambdaDeps } from './http/lambda-deps.ts';
import { caller } from './http/params.ts';
import { header, parseJsonBytes } from './http/request.ts';
import type { ApiRequest } from './http/types.ts';

/** The practice id of the path, as given: the domain answers 404 for anything that is not one of its practices. */
const practiceParam = (request: ApiRequest) => request.params.practiceId ?? '';

/**
 * Booking software: a practice's Cal.com integration (set by an admin or the practice itself),
 * and the webhook Cal.com calls on each booking, authenticated by its signature instead of a key.
 */
export const createIntegrationsHandler = (deps: DepsSource) =>
  createGroupHandler(
    'integrations',
    {
      'PUT /v1/practices/{practiceId}/integrations/calcom': async (request, deps) => ({
        status: 200,
        body: await configureCalcom(deps, caller(request), practiceParam(request), parseInput(calcomIntegrationSchema, request.body)),
      }),
      'GET /v1/practices/{practiceId}/integrations/calcom': async (request, deps) => ({
        status: 200,
        body: await getCalcom(deps, caller(request), practiceParam(request)),
      }),
      'POST /v1/integrations/calcom/{practiceId}': async (request, deps) => {
        const body = request.rawBody ?? Buffer.alloc(0);
        return {
          status: 200,
          body: await receiveCalcomDelivery(deps, practiceParam(request), {
            body,
            signature: header(request.headers, calcomSignatureHeader),
            json: () => parseJsonBytes(body, header(request.headers, 'content-type')),
          }),
        };
      },
    },
    deps,
  );

export const handler = createIntegrationsHandler(lambdaDeps);
