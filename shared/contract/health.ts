import * as z from 'zod';
import { defineContract } from './define.ts';
import { healthRequests } from './requests/health.ts';
import { healthSchema } from './views.ts';

export const openApiDocumentSchema = z
  .looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) })
  .meta({ id: 'OpenApiDocument', description: 'This OpenAPI 3.1 document.' });

/** The public routes: liveness, and the document that describes the API. */
export const healthContract = defineContract(healthRequests, {
  'GET /v1/health': {
    operationId: 'getHealth',
    summary: 'Is the API up?',
    description: 'The liveness probe. Needs no API key, reads no data, and answers `{"status":"ok"}` while the API is serving.',
    tags: ['Service'],
    responses: { 200: { description: 'The API is serving.', schema: healthSchema, examples: { ok: { summary: 'Up', value: { status: 'ok' } } } } },
  },
  'GET /v1/openapi.json': {
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    description:
      'The OpenAPI 3.1 document of this API, as JSON. Needs no API key. Generate a client from it (the repository ships one: `client/peerguard-client.ts`), or read it rendered at `/docs` on the local server.',
    tags: ['Service'],
    responses: { 200: { description: 'The OpenAPI document.', schema: openApiDocumentSchema } },
  },
});
