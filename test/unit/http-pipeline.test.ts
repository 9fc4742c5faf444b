import { describe, expect, it } from 'vitest';
import type { Context } from 'aws-lambda';
import { createChecksHandler } from '#functions/checks.ts';
import { createAuthorizer } from '#functions/authorizer.ts';
import type { HttpEvent } from '#functions/http/group-handler.ts';
import { createApiKey, revokeApiKey } from '#shared/domain/api-keys.ts';
import { createPractice } from '#shared/domain/practices.ts';
import { DependencyUnavailableError } from '#shared/errors.ts';
import { buildTestDeps } from '../fakes/deps.ts';

/** The admin the audit log names for these calls. */
const admin = { keyId: 'key_test-admin', role: 'admin' } as const;

/**
 * The Lambda handler pipeline on its own, with an API Gateway v2 event as Lambda gets it:
 * authorizer context → 401/403, dependency failures → 503 with Retry-After, and a surprise
 * failure → a 500 that carries neither a stack trace nor anything the caller sent.
 */
const canaryPhone = '+1 959 555 0123';

function event(body: unknown, lambda: Record<string, string> = { authenticated: 'true', keyId: 'key_x', role: 'practice', practiceId: 'prc_x' }): HttpEvent {
  return {
    version: '2.0',
    routeKey: 'POST /v1/checks',
    rawPath: '/v1/checks',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', authorization: 'Bearer something' },
    body: JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1', routeKey: 'POST /v1/checks', http: { method: 'POST', path: '/v1/checks' }, authorizer: { lambda } },
  } as unknown as HttpEvent;
}

const context = {} as Context;
const problemOf = (result: { body?: string }) => JSON.parse(result.body ?? '{}');

describe('the handler pipeline', () => {
  it('answers 401 when the authorizer found no valid key, and 403 for a role the route does not allow', async () => {
    const handler = createChecksHandler(buildTestDeps());
    const unauthenticated = await handler(event({ subject: { phone: canaryPhone } }, { authenticated: 'false' }), context);
    expect(unauthenticated.statusCode).toBe(401);
    expect(unauthenticated.headers?.['WWW-Authenticate']).toContain('Bearer');
    const reviewer = await handler(
      event({ subject: { phone: canaryPhone } }, { authenticated: 'true', keyId: 'key_r', role: 'reviewer', practiceId: 'prc_r' }),
      context,
    );
    expect(reviewer.statusCode).toBe(403);
    expect(problemOf(reviewer)).toMatchObject({ status: 403, title: expect.any(String), detail: expect.stringContaining('practice') });
  });

  it('answers 503 with Retry-After when KMS or DynamoDB is throttling', async () => {
    const deps = buildTestDeps({
      keyring: {
        version: 'k1',
        mac: async () => {
          throw new DependencyUnavailableError("The network's key service could not compute a token just now; retry shortly.", 1);
        },
      },
    });
    const result = await createChecksHandler(deps)(event({ subject: { phone: canaryPhone } }), context);
    expect(result.statusCode).toBe(503);
    expect(result.headers?.['Retry-After']).toBe('1');
    expect(result.headers?.['Content-Type']).toContain('application/problem+json');
    expect(deps.logLines.some((line) => line.level === 'warn')).toBe(true);
  });

  it('answers a surprise failure with a 500 that holds no stack and nothing the caller sent, and logs it', async () => {
    const deps = buildTestDeps({
      tokenIndex: {
        lookup: async () => {
          throw new TypeError('cannot read properties of undefined (reading "alert#")');
        },
        prune: async () => 0,
      },
    });
    const result = await createChecksHandler(deps)(event({ subject: { phone: canaryPhone } }), context);
    expect(result.statusCode).toBe(500);
    const body = result.body ?? '';
    expect(problemOf(result)).toMatchObject({ status: 500, instance: 'urn:request:req-1' });
    expect(body).not.toMatch(/TypeError|at .*\.ts|alert#/);
    expect(body).not.toContain('555');
    expect(deps.logLines.find((line) => line.level === 'error')?.message).toBe('unexpected error');
    expect(JSON.stringify(deps.logLines)).not.toContain('555');
  });

  it("turns an API key into the authorizer's context, which the check handler then accepts", async () => {
    const deps = buildTestDeps();
    const practice = await createPractice(deps, admin, { name: 'Harbour', region: 'CT' });
    const { apiKey } = await createApiKey(deps, admin, { role: 'practice', practiceId: practice.practiceId, label: 'desk' });
    const authorize = (header: string) => createAuthorizer(deps)({ headers: { authorization: header }, identitySource: [header] });
    const authorized = await authorize(`Bearer ${apiKey}`);
    expect(authorized).toMatchObject({ isAuthorized: true, context: { authenticated: 'true', role: 'practice' } });
    // Malformed, unknown and revoked keys are refused by the authorizer itself: no route's function runs for them.
    const revoked = await createApiKey(deps, admin, { role: 'practice', practiceId: practice.practiceId, label: 'old desk' });
    await revokeApiKey(deps, admin, revoked.keyId);
    for (const header of [
      'Bearer pg.key_00000000000000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'Bearer not-a-key',
      'Basic dXNlcjpwYXNz',
      `Bearer ${revoked.apiKey}`,
    ]) {
      expect(await authorize(header), header).toEqual({ isAuthorized: false, context: { authenticated: 'false' } });
    }
    const result = await createChecksHandler(deps)(event({ subject: { phone: canaryPhone } }, { ...authorized.context }), context);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body ?? '{}')).toEqual({ checkId: expect.stringMatching(/^chk_/), result: 'no_match', padding: expect.stringMatching(/^ +$/) });
  });
});
