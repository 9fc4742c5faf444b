import * as z from 'zod';
import { createKeySchema, createPracticeSchema } from '../schemas.ts';
import { ex } from './common.ts';
import { defineContract } from './define.ts';
import { adminRequests } from './requests/admin.ts';
import { createdKeySchema, practiceSchema } from './views.ts';

/** Network administration: practices and API keys (admin role). */
export const adminContract = defineContract(adminRequests, {
  'POST /v1/practices': {
    operationId: 'createPractice',
    summary: 'Register a practice',
    description:
      'Registers a participating practice. Its `practiceId` is what practice and reviewer keys are issued for (`POST /v1/keys`). The creation is written to the audit log.',
    tags: ['Administration'],
    examples: { practice: { summary: 'A practice', value: { name: 'Harbour Massage', region: 'CT' } } },
    responses: {
      201: {
        description: 'The practice was registered.',
        schema: practiceSchema,
        examples: { created: { summary: 'Registered', value: { practiceId: ex.practiceId, name: 'Harbour Massage', region: 'CT', createdAt: ex.at } } },
      },
    },
  },
  'POST /v1/keys': {
    operationId: 'createApiKey',
    summary: 'Issue an API key',
    description:
      'Issues an API key with one role. `practice` and `reviewer` keys need the `practiceId` they belong to; `admin` and `auditor` keys belong to no practice and must not name one. ' +
      'The secret `apiKey` is in this answer only: only a hash of it is stored, so keep it now.',
    tags: ['Administration'],
    examples: {
        frontDesk: { summary: "A practice's front desk", value: { role: 'practice', practiceId: ex.practiceId, label: 'Harbour front desk' } },
        counsel: { summary: 'Counsel (auditor)', value: { role: 'auditor', label: 'Counsel' } },
      },
    responses: {
      201: {
        description: 'The key was issued; `apiKey` is shown this once.',
        schema: createdKeySchema,
        examples: {
          created: {
            summary: 'A practice key',
            value: { keyId: ex.keyId, apiKey: `pg.${ex.keyId}.q7Zx2mV9pL4tR8wK1nB6cF3hJ5sD0gYa2Ee4Uu6Ii8Oo`, role: 'practice', practiceId: ex.practiceId, label: 'Harbour front desk' },
          },
        },
      },
    },
    errors: { 400: 'Bad input (`errors` names each bad field), including a `practiceId` that names no practice.' },
  },
  'DELETE /v1/keys/{keyId}': {
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key',
    description:
      'Revokes a key. On the local server it stops working at once; in AWS within the authorizer cache lifetime (60 seconds at most). Revoking is written to the audit log.',
    tags: ['Administration'],
    responses: { 204: { description: 'The key is revoked.' } },
    errors: { 404: 'No key has this id.' },
  },
});
