import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Context } from 'aws-lambda';
import { routes, type RouteDefinition } from '#shared/routes.ts';
import type { HttpEvent } from '#functions/http/group-handler.ts';
import { localHandlers } from '../../infra/local/handlers.ts';
import { buildTestDeps } from '../fakes/deps.ts';

/**
 * "No 5xx for any input a client can send": random JSON bodies, raw bytes and path ids against
 * every route, as every role. Each answer must be below 500 and, when it is an error, a
 * problem document. (Issue 6 grows this into the full hostile-input suite.)
 */
const deps = buildTestDeps();
const { groups } = localHandlers(deps);
const roles = ['admin', 'reviewer', 'practice', 'auditor'] as const;

function eventFor(route: RouteDefinition, role: string, body: string | undefined, id: string, base64 = false): HttpEvent {
  const params = Object.fromEntries([...route.path.matchAll(/\{(\w+)\}/g)].map((match) => [match[1]!, id]));
  return {
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath: route.path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', authorization: 'Bearer x', 'idempotency-key': id },
    pathParameters: Object.keys(params).length ? params : undefined,
    body,
    isBase64Encoded: base64,
    requestContext: {
      requestId: 'fuzz',
      routeKey: `${route.method} ${route.path}`,
      http: { method: route.method, path: route.path },
      authorizer: { lambda: { authenticated: 'true', keyId: 'key_fuzz', role, practiceId: role === 'admin' || role === 'auditor' ? '' : 'prc_00000000000000000000000000' } },
    },
  } as unknown as HttpEvent;
}

const body = fc.oneof(
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string(),
  fc.constant('{"__proto__":{"polluted":true},"constructor":{"prototype":{}}}'),
  fc.constant('{"subject":{"phone":"\u202e0010 555 068 1+","fullName":"\u200b\u0301👩‍⚕️"}}'),
);
const id = fc.oneof(fc.string({ maxLength: 3000 }), fc.constant('alt_00000000000000000000000000'), fc.constant('../../etc/passwd'));
let cases = 0;

describe('hostile input never causes a 5xx', () => {
  it.each(routes as readonly RouteDefinition[])('$method $path', async (route) => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...roles), body, id, fc.boolean(), async (role, raw, pathId, base64) => {
        cases += 1;
        const result = await groups[route.group](eventFor(route, role, base64 ? Buffer.from(raw).toString('base64') : raw, pathId, base64), {} as Context);
        expect(result.statusCode).toBeLessThan(500);
        if ((result.statusCode ?? 200) >= 400) expect(result.headers?.['Content-Type']).toContain('application/problem+json');
      }),
      { numRuns: 60 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('ran every case', () => {
    expect(cases).toBe(routes.length * 60);
  });
});
