import { defineRequests } from '../define.ts';

/** The public routes take nothing. */
export const healthRequests = /* @__PURE__ */ defineRequests('health', { 'GET /v1/health': {}, 'GET /v1/openapi.json': {} });
