import { batchCheckSchema, checkSchema } from '../../schemas.ts';
import { defineRequests } from '../define.ts';

/** What the screening routes take. */
export const checksRequests = /* @__PURE__ */ defineRequests('checks', {
  'POST /v1/checks': { body: checkSchema },
  'POST /v1/checks/batch': { body: batchCheckSchema },
});
