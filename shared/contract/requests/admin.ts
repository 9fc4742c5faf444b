import * as z from 'zod';
import { createKeySchema, createPracticeSchema } from '../../schemas.ts';
import { idOf } from '../params.ts';
import { defineRequests } from '../define.ts';

/** What the administration routes take. */
export const adminRequests = /* @__PURE__ */ defineRequests('admin', {
  'POST /v1/practices': { body: createPracticeSchema },
  'POST /v1/keys': { body: createKeySchema },
  'DELETE /v1/keys/{keyId}': { params: z.strictObject({ keyId: idOf('key', 'The key to revoke.') }) },
});
