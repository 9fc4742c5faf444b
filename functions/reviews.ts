import { decideReview, reviewQueue } from '#shared/domain/reviews.ts';
import { reconfirmAlert } from '#shared/domain/lifecycle.ts';
import type { reviewsContract } from '#shared/contract/reviews.ts';
import { reviewsRequests } from '#shared/contract/requests/reviews.ts';
import { createGroupHandler, type DepsSource } from './http/group-handler.ts';
import { lambdaDeps } from './http/lambda-deps.ts';

/** Peer review: the queue, the decisions of reviewers from other practices, and re-confirmation before expiry. */
export const createReviewsHandler = (deps: DepsSource) =>
  createGroupHandler<typeof reviewsContract>(
    reviewsRequests,
    {
      'GET /v1/reviews/queue': async (request, deps) => ({ status: 200, body: await reviewQueue(deps, request.principal) }),
      'POST /v1/alerts/{alertId}/reviews': async (request, deps) => ({
        status: 200,
        body: await decideReview(deps, request.principal, request.params.alertId, request.body),
      }),
      'POST /v1/alerts/{alertId}/reconfirm': async (request, deps) => ({
        status: 200,
        body: await reconfirmAlert(deps, request.principal, request.params.alertId, request.body.reason),
      }),
    },
    deps,
  );

export const handler = createReviewsHandler(lambdaDeps);
