import { reasonSchema, reviewDecisionSchema } from '../../schemas.ts';
import { alertParams } from '../params.ts';
import { defineRequests } from '../define.ts';

/** What the review routes take. */
export const reviewsRequests = /* @__PURE__ */ defineRequests('reviews', {
  'GET /v1/reviews/queue': {},
  'POST /v1/alerts/{alertId}/reviews': { params: alertParams, body: reviewDecisionSchema },
  'POST /v1/alerts/{alertId}/reconfirm': { params: alertParams, body: reasonSchema },
});
