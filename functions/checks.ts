import { checkBatch, checkBooking } from '#shared/domain/checks.ts';
import { batchCheckSchema, checkSchema, parseInput } from '#shared/schemas.ts';
import { createGroupHandler, type DepsSource } from './http/group-handler.ts';
import { lambdaDeps } from './http/lambda-deps.ts';
import { caller } from './http/params.ts';
import { padded } from './http/padding.ts';

/** Screening bookings, one at a time or up to 100 at once: the hot path front desks wait on. Every answer is padded to the same size. */
export const createChecksHandler = (deps: DepsSource) =>
  createGroupHandler(
    'checks',
    {
      'POST /v1/checks': async (request, deps) => ({
        status: 200,
        body: padded(await checkBooking(deps, caller(request), parseInput(checkSchema(deps.settings.phoneRegion), request.body))),
      }),
      'POST /v1/checks/batch': async (request, deps) => ({
        status: 200,
        body: { results: (await checkBatch(deps, caller(request), parseInput(batchCheckSchema(deps.settings.phoneRegion), request.body).bookings)).results.map((result) => padded(result)) },
      }),
    },
    deps,
  );

export const handler = createChecksHandler(lambdaDeps);
