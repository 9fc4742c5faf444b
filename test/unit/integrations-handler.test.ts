import { describe, expect, it } from 'vitest';
import type { Context } from 'aws-lambda';
import { createIntegrationsHandler } from '#functions/integrations.ts';
import type { HttpEvent } from '#functions/http/group-handler.ts';
import { configureCalcom } from '#shared/domain/integrations.ts';
import { createPractice } from '#shared/domain/practices.ts';
import { calcomIntegrationSchema, parseInput } from '#shared/schemas.ts';
import { buildTestDeps } from '../fakes/deps.ts';
import { calcomDelivery, signCalcom } from '../support/calcom.ts';

/**
 * The webhook's Lambda handler with API Gateway v2 events as Lambda gets them: the body arrives
 * as text or base64 (HTTP API base64-encodes a body it does not treat as text), and the
 * signature must hold over the original bytes either way. No authorizer runs for this route.
 */
const secret = 'handler-test-webhook-secret-1';
const context = {} as Context;

async function setUp() {
  const deps = buildTestDeps();
  const practice = await createPractice(deps, { keyId: 'key_admin', role: 'admin' }, { name: 'Valley Therapy', region: 'CT' });
  await configureCalcom(deps, { keyId: 'key_admin', role: 'admin' }, practice.practiceId, parseInput(calcomIntegrationSchema, { webhookSecret: secret }));
  return { deps, handler: createIntegrationsHandler(deps), practiceId: practice.practiceId };
}

function event(practiceId: string, bytes: Buffer, options: { base64: boolean; signature?: string }): HttpEvent {
  const path = `/v1/integrations/calcom/${practiceId}`;
  return {
    version: '2.0',
    routeKey: 'POST /v1/integrations/calcom/{practiceId}',
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...(options.signature ? { 'x-cal-signature-256': options.signature } : {}) },
    pathParameters: { practiceId },
    body: bytes.toString(options.base64 ? 'base64' : 'utf8'),
    isBase64Encoded: options.base64,
    requestContext: { requestId: 'req-1', routeKey: 'POST /v1/integrations/calcom/{practiceId}', http: { method: 'POST', path } },
  } as unknown as HttpEvent;
}

describe('the Cal.com webhook handler', () => {
  it.each([false, true])('verifies the signature over the raw bytes (body base64-encoded: %s)', async (base64) => {
    const { handler, practiceId, deps } = await setUp();
    const bytes = Buffer.from(`${JSON.stringify(calcomDelivery({ attendees: [{ name: 'Zoë Łukasz', email: 'zoe@example.org' }] }), null, 2)}\n`, 'utf8');
    const result = await handler(event(practiceId, bytes, { base64, signature: signCalcom(secret, bytes) }), context);
    expect(result.statusCode, result.body).toBe(200);
    expect(JSON.parse(result.body!)).toMatchObject({ screened: true, result: 'no_match' });
    expect(deps.memory.audit.entries.some((entry) => entry.action === 'check.performed')).toBe(true);
  });

  it('answers 401 for an unsigned delivery, with no WWW-Authenticate (no API key would help)', async () => {
    const { handler, practiceId } = await setUp();
    const result = await handler(event(practiceId, Buffer.from(JSON.stringify(calcomDelivery())), { base64: false }), context);
    expect(result.statusCode).toBe(401);
    expect(result.headers?.['WWW-Authenticate']).toBeUndefined();
    expect(JSON.parse(result.body!)).toMatchObject({
      type: 'https://peerguard.dev/problems/invalid-signature',
      detail: expect.stringContaining('x-cal-signature-256'),
    });
  });

  it('refuses a body over 64 KiB with 413 before looking for the integration', async () => {
    const { handler } = await setUp();
    const result = await handler(event('prc_unknown', Buffer.alloc(64 * 1024 + 1, 0x20), { base64: true }), context);
    expect(result.statusCode).toBe(413);
  });
});
