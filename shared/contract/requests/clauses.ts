import * as z from 'zod';
import { publishClauseSchema } from '../../schemas.ts';
import { idOf } from '../params.ts';
import { defineRequests } from '../define.ts';

/** What the consent clause routes take. */
export const clausesRequests = /* @__PURE__ */ defineRequests('clauses', {
  'POST /v1/consent-clauses': { body: publishClauseSchema },
  'POST /v1/consent-clauses/{clauseId}/versions': {
    params: z.strictObject({ clauseId: idOf('cls', 'The clause to publish a new version of.') }),
    body: publishClauseSchema,
  },
  'GET /v1/consent-clauses': {},
});
