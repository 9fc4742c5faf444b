import * as z from 'zod';
import { createKeySchema, createPracticeSchema } from '../../schemas.ts';
import { isId } from '../../ids.ts';
import { idOf } from '../params.ts';
import { defineRequests } from '../define.ts';
import { statsRequests } from './stats.ts';

/** GET /v1/keys's query string: `practiceId` narrows the list to one practice's keys. */
export const listKeysQuerySchema = z.strictObject({
  practiceId: z
    .string()
    .refine((value) => isId(value, 'prc'), 'must be a practice id as returned by this API')
    .optional()
    .meta({ description: 'Only the practice and reviewer keys of this practice.' }),
});

/** What the administration routes take. */
export const adminRequests = /* @__PURE__ */ defineRequests('admin', {
  'GET /v1/me': {},
  'POST /v1/practices': { body: createPracticeSchema },
  'GET /v1/practices': {},
  'POST /v1/keys': { body: createKeySchema },
  'GET /v1/keys': { query: listKeysQuerySchema },
  'GET /v1/overview': {},
  'DELETE /v1/keys/{keyId}': { params: z.strictObject({ keyId: idOf('key', 'The key to revoke.') }) },
  ...statsRequests,
});
