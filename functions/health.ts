import type { healthContract } from '#shared/contract/health.ts';
import { healthRequests } from '#shared/contract/requests/health.ts';
import openApiDocument from '../docs/openapi.json' with { type: 'json' };
import { createGroupHandler, type DepsSource } from './http/group-handler.ts';
import { lambdaDeps } from './http/lambda-deps.ts';

/** The public routes: liveness, and the API's own OpenAPI document (docs/openapi.json, as committed). */
export const createHealthHandler = (deps: DepsSource) =>
  createGroupHandler<typeof healthContract>(
    healthRequests,
    {
      'GET /v1/health': async () => ({ status: 200, body: { status: 'ok' } }),
      'GET /v1/openapi.json': async () => ({ status: 200, body: openApiDocument, headers: { 'Cache-Control': 'public, max-age=300' } }),
    },
    deps,
  );

export const handler = createHealthHandler(lambdaDeps);
