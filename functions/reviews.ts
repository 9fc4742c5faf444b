import { decideReview, reviewQueue } from '#shared/domain/reviews.ts';
import { parseInput, reviewDecisionSchema } from '#shared/schemas.ts';
import { createGroupHandler, type DepsSource } from './http/group-handler.ts';
import { lambdaDeps } from './http/lambda-deps.ts';
import { caller, idParam } from './http/params.ts';

/** Peer review: the queue and the decisions of reviewers from other practices. */
export const createReviewsHandler = (deps: DepsSource) =>
  createGroupHandler(
    'reviews',
    {
      'GET /v1/reviews/queue': async (request, deps) => ({ status: 200, body: await reviewQueue(deps, caller(request)) }),
      'POST /v1/alerts/{alertId}/reviews': async (request, deps) => {
        const alertId = idParam(request, 'alertId', 'alt');
        const decision = parseInput(reviewDecisionSchema, request.body);
        return { status: 200, body: await decideReview(deps, caller(request), alertId, decision) };
      },
    },
    deps,
  );

export const handler = createReviewsHandler(lambdaDeps);
