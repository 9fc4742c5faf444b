import { createGroupHandler, type DepsSource } from './http/group-handler.ts';
import { lambdaDeps } from './http/lambda-deps.ts';

export const createHealthHandler = (deps: DepsSource) =>
  createGroupHandler('health', { 'GET /v1/health': async () => ({ status: 200, body: { status: 'ok' } }) }, deps);

export const handler = createHealthHandler(lambdaDeps);
