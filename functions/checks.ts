import { checkBooking } from '#shared/domain/checks.ts';
import { checkSchema, parseInput } from '#shared/schemas.ts';
import { createGroupHandler, type DepsSource } from './http/group-handler.ts';
import { lambdaDeps } from './http/lambda-deps.ts';
import { caller } from './http/params.ts';

/** Screening a booking: the hot path front desks wait on. */
export const createChecksHandler = (deps: DepsSource) =>
  createGroupHandler(
    'checks',
    {
      'POST /v1/checks': async (request, deps) => ({
        status: 200,
        body: await checkBooking(deps, caller(request), parseInput(checkSchema(deps.settings.phoneRegion), request.body)),
      }),
    },
    deps,
  );

export const handler = createChecksHandler(lambdaDeps);
