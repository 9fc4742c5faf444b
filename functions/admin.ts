import { createApiKey, revokeApiKey } from '#shared/domain/api-keys.ts';
import { createPractice } from '#shared/domain/practices.ts';
import { createKeySchema, createPracticeSchema, parseInput } from '#shared/schemas.ts';
import { createGroupHandler, type DepsSource } from './http/group-handler.ts';
import { lambdaDeps } from './http/lambda-deps.ts';
import { actor, idParam } from './http/params.ts';

/** Network administration: practices and API keys (admin role). */
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
    },
    deps,
  );

export const handler = createAdminHandler(lambdaDeps);
