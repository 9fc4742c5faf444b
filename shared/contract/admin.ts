import { ex } from './common.ts';
import { defineContract } from './define.ts';
import { adminRequests } from './requests/admin.ts';
import { statsRouteDocs } from './stats.ts';
import { createdKeySchema, keyListSchema, overviewSchema, practiceListSchema, practiceSchema, whoAmISchema } from './views.ts';

/** Network administration: practices, API keys and the overview (admin role); who a key is (any role). */
export const adminContract = defineContract(adminRequests, {
  ...statsRouteDocs,
  'GET /v1/me': {
    operationId: 'whoAmI',
    summary: 'Who this key is',
    description:
      'The key id, role and label of the API key sent, and for a practice or reviewer key its practice and the practice name: what a console shows as "signed in as".',
    tags: ['Administration'],
    responses: {
      200: {
        description: 'This key.',
        schema: whoAmISchema,
        examples: {
          desk: {
            summary: 'A front desk key',
            value: { keyId: ex.keyId, role: 'practice', practiceId: ex.practiceId, practiceName: 'Harbour Massage', label: 'Harbour front desk' },
          },
        },
      },
    },
  },
  'GET /v1/practices': {
    operationId: 'listPractices',
    summary: 'List the practices',
    description: 'Every participating practice, oldest first.',
    tags: ['Administration'],
    responses: {
      200: {
        description: 'The practices.',
        schema: practiceListSchema,
        examples: {
          practices: { summary: 'One practice', value: { items: [{ practiceId: ex.practiceId, name: 'Harbour Massage', region: 'CT', createdAt: ex.at }] } },
        },
      },
    },
  },
  'GET /v1/keys': {
    operationId: 'listApiKeys',
    summary: 'List the API keys',
    description:
      'Every API key, oldest first, revoked ones with `revokedAt`; with `practiceId`, the practice and reviewer keys of that practice. Never a secret nor its hash: the list is read from an index that holds neither.',
    tags: ['Administration'],
    responses: {
      200: {
        description: 'The keys.',
        schema: keyListSchema,
        examples: {
          keys: {
            summary: "A practice's desk key",
            value: { items: [{ keyId: ex.keyId, role: 'practice', practiceId: ex.practiceId, label: 'Harbour front desk', createdAt: ex.at }] },
          },
        },
      },
    },
    errors: { 404: 'No practice has this `practiceId`.' },
  },
  'GET /v1/overview': {
    operationId: 'getOverview',
    summary: 'The network at a glance',
    description:
      'Alerts by status, checks and matches per UTC day for the last 14 days (oldest first, today last), and the latest 50 security notices (newest first), read from counters the network keeps as it works. ' +
      'A published alert past its expiry counts as published until the expiry sweep stores it (at most one sweep interval).',
    tags: ['Administration'],
    responses: {
      200: {
        description: 'The overview.',
        schema: overviewSchema,
        examples: {
          overview: {
            summary: 'A quiet network',
            value: {
              alertsByStatus: { pending_review: 1, published: 4, rejected: 1, suspended: 0, retracted: 1, expired: 0 },
              checksPerDay: [{ day: ex.on, checks: 212, matches: 3 }],
              notices: [{ type: 'screening.quota_exceeded', practiceId: ex.practiceId, window: 'minute', limit: 120, at: ex.at }],
            },
          },
        },
      },
    },
  },
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
            value: {
              keyId: ex.keyId,
              apiKey: `pg.${ex.keyId}.q7Zx2mV9pL4tR8wK1nB6cF3hJ5sD0gYa2Ee4Uu6Ii8Oo`,
              role: 'practice',
              practiceId: ex.practiceId,
              label: 'Harbour front desk',
            },
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
