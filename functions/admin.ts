import { createApiKey, revokeApiKey } from '#shared/domain/api-keys.ts';
import { createPractice } from '#shared/domain/practices.ts';
import { listKeys, listPractices, whoAmI } from '#shared/domain/directory.ts';
import { networkOverview } from '#shared/domain/overview.ts';
import { createKeySchema, createPracticeSchema, listKeysQuerySchema, parseInput } from '#shared/schemas.ts';
import { createGroupHandler, type DepsSource } from './http/group-handler.ts';
import { lambdaDeps } from './http/lambda-deps.ts';
import { actor, caller, idParam } from './http/params.ts';

/** Network administration: practices, API keys and the overview (admin role); and "who am I" for any key. */
export const createAdminHandler = (deps: DepsSource) =>
  createGroupHandler(
    'admin',
    {
      'POST /v1/practices': async (request, deps) => ({
        status: 201,
        body: await createPractice(deps, actor(request), parseInput(createPracticeSchema, request.body)),
      }),
      'POST /v1/keys': async (request, deps) => ({
        status: 201,
        body: await createApiKey(deps, actor(request), parseInput(createKeySchema, request.body)),
      }),
      'DELETE /v1/keys/{keyId}': async (request, deps) => {
        await revokeApiKey(deps, actor(request), idParam(request, 'keyId', 'key'));
        return { status: 204 };
      },
      'GET /v1/me': async (request, deps) => ({ status: 200, body: await whoAmI(deps, caller(request)) }),
      'GET /v1/practices': async (_request, deps) => ({ status: 200, body: await listPractices(deps) }),
      'GET /v1/keys': async (request, deps) => ({ status: 200, body: await listKeys(deps, parseInput(listKeysQuerySchema, request.query)) }),
      'GET /v1/overview': async (_request, deps) => ({ status: 200, body: await networkOverview(deps) }),
    },
    deps,
  );

export const handler = createAdminHandler(lambdaDeps);
