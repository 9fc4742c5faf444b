import { createApiKey, revokeApiKey } from '#shared/domain/api-keys.ts';
import { createPractice } from '#shared/domain/practices.ts';
import { listKeys, listPractices, whoAmI } from '#shared/domain/directory.ts';
import { networkOverview } from '#shared/domain/overview.ts';
import { networkStats, statsSummary } from '#shared/domain/stats.ts';
import type { adminContract } from '#shared/contract/admin.ts';
import { adminRequests } from '#shared/contract/requests/admin.ts';
import { createGroupHandler, type DepsSource } from './http/group-handler.ts';
import { lambdaDeps } from './http/lambda-deps.ts';
import { actor } from './http/params.ts';

/** Network administration: practices, API keys and the overview (admin role); and "who am I" for any key. */
export const createAdminHandler = (deps: DepsSource) =>
  createGroupHandler<typeof adminContract>(
    adminRequests,
    {
      'POST /v1/practices': async (request, deps) => ({ status: 201, body: await createPractice(deps, actor(request), request.body) }),
      'POST /v1/keys': async (request, deps) => ({ status: 201, body: await createApiKey(deps, actor(request), request.body) }),
      'DELETE /v1/keys/{keyId}': async (request, deps) => {
        await revokeApiKey(deps, actor(request), request.params.keyId);
        return { status: 204 };
      },
      'GET /v1/me': async (request, deps) => ({ status: 200, body: await whoAmI(deps, request.principal) }),
      'GET /v1/practices': async (_request, deps) => ({ status: 200, body: await listPractices(deps) }),
      'GET /v1/keys': async (request, deps) => ({ status: 200, body: await listKeys(deps, request.query) }),
      'GET /v1/overview': async (_request, deps) => ({ status: 200, body: await networkOverview(deps) }),
      'GET /v1/stats': async (_request, deps) => ({ status: 200, body: await networkStats(deps) }),
      'GET /v1/stats/summary': async (_request, deps) => ({ status: 200, body: await statsSummary(deps), headers: { 'Cache-Control': 'public, max-age=300' } }),
    },
    deps,
  );

export const handler = createAdminHandler(lambdaDeps);
