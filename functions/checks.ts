import { checkBatch, checkBooking } from '#shared/domain/checks.ts';
import type { checksContract } from '#shared/contract/checks.ts';
import { checksRequests } from '#shared/contract/requests/checks.ts';
import { createGroupHandler, type DepsSource } from './http/group-handler.ts';
import { lambdaDeps } from './http/lambda-deps.ts';
import { padded } from './http/padding.ts';

/** Screening bookings, one at a time or up to 100 at once: the hot path front desks wait on. Every answer is padded to the same size. */
export const createChecksHandler = (deps: DepsSource) =>
  createGroupHandler<typeof checksContract>(
    checksRequests,
    {
      'POST /v1/checks': async (request, deps) => ({ status: 200, body: padded(await checkBooking(deps, request.principal, request.body)) }),
      'POST /v1/checks/batch': async (request, deps) => ({
        status: 200,
        body: { results: (await checkBatch(deps, request.principal, request.body.bookings)).results.map((result) => padded(result)) },
      }),
    },
    deps,
  );

export const handler = createChecksHandler(lambdaDeps);
