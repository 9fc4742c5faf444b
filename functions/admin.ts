import { createApiKey, revokeApiKey } from '#shared/domain/api-keys.ts';
import { createPractice } from '#shared/domain/practices.ts';
import type { adminContract } from '#shared/contract/admin.ts';
import { adminRequests } from '#shared/contract/requests/admin.ts';
import { createGroupHandler, type DepsSource } from './http/group-handler.ts';
import { lambdaDeps } from './http/lambda-deps.ts';
import { actor } from './http/params.ts';

/** Network administration: practices and API keys (admin role). */
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
    },
    deps,
  );

export const handler = createAdminHandler(lambdaDeps);
