import { cancelBooking, listBookings, registerBooking } from '#shared/domain/bookings.ts';
import { getMatchDigest, setMatchDigest } from '#shared/domain/match-digest.ts';
import type { bookingsContract } from '#shared/contract/bookings.ts';
import { bookingsRequests } from '#shared/contract/requests/bookings.ts';
import { createGroupHandler, type DepsSource } from './http/group-handler.ts';
import { lambdaDeps } from './http/lambda-deps.ts';

/** Upcoming bookings registered for re-screening, and the reporter's opt-in to its alert's match digest. */
export const createBookingsHandler = (deps: DepsSource) =>
  createGroupHandler<typeof bookingsContract>(
    bookingsRequests,
    {
      'POST /v1/bookings': async (request, deps) => {
        const { created, result } = await registerBooking(deps, request.principal, request.body);
        return { status: created ? 201 : 200, body: result };
      },
      'GET /v1/bookings': async (request, deps) => ({ status: 200, body: await listBookings(deps, request.principal) }),
      'DELETE /v1/bookings/{ref}': async (request, deps) => {
        await cancelBooking(deps, request.principal, request.params.ref);
        return { status: 204 };
      },
      'GET /v1/alerts/{alertId}/match-digest': async (request, deps) => ({
        status: 200,
        body: await getMatchDigest(deps, request.principal, request.params.alertId),
      }),
      'PUT /v1/alerts/{alertId}/match-digest': async (request, deps) => ({
        status: 200,
        body: await setMatchDigest(deps, request.principal, request.params.alertId, request.body.enabled),
      }),
    },
    deps,
  );

export const handler = createBookingsHandler(lambdaDeps);
