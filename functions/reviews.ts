import { decideReview, reviewQueue } from '#shared/domain/reviews.ts';
import { decidedAlerts } from '#shared/domain/alert-lists.ts';
import { parseInput, reasonSchema, reviewDecisionSchema } from '#shared/schemas.ts';
import { reconfirmAlert } from '#shared/domain/lifecycle.ts';
import { createGroupHandler, type DepsSource } from './http/group-handler.ts';
import { lambdaDeps } from './http/lambda-deps.ts';
import { caller, idParam } from './http/params.ts';

/** Peer review: the queue, the alerts a reviewer decided, the decisions of reviewers from other practices, and re-confirmation before expiry. */
export const createReviewsHandler = (deps: DepsSource) =>
  createGroupHandler(
    'reviews',
    {
      'GET /v1/reviews/queue': async (request, deps) => ({ status: 200, body: await reviewQueue(deps, caller(request)) }),
      'GET /v1/reviews/decided': async (request, deps) => ({ status: 200, body: await decidedAlerts(deps, caller(request)) }),
      'POST /v1/alerts/{alertId}/reviews': async (request, deps) => {
        const alertId = idParam(request, 'alertId', 'alt');
        const decision = parseInput(reviewDecisionSchema, request.body);
        return { status: 200, body: await decideReview(deps, caller(request), alertId, decision) };
      },
      'POST /v1/alerts/{alertId}/reconfirm': async (request, deps) => {
        const alertId = idParam(request, 'alertId', 'alt');
        const { reason } = parseInput(reasonSchema, request.body);
        return { status: 200, body: await reconfirmAlert(deps, caller(request), alertId, reason) };
      },
    },
    deps,
  );

export const handler = createReviewsHandler(lambdaDeps);
