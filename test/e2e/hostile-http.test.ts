import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { routeKey, routes, type RouteDefinition } from '#shared/routes.ts';
import type { HttpResult } from '#functions/http/group-handler.ts';
import { maxBodyBytes } from '#functions/http/request.ts';
import { localClient } from '../../infra/local/dynamo-local.ts';
import { startLocalNetwork, type LocalNetwork } from '../support/local-network.ts';
import { alertBody } from '../support/story.ts';
import { canary, hostileBooking, hostileCase, hostileWebhookSecret, inAWeek, specOf, type HostileCase, type HostileTargets } from '../support/hostile-cases.ts';
import { checkAnswer } from '../support/hostile-answers.ts';
import { rawRequest, type RawAnswer } from '../support/raw-http.ts';

/**
 * The hostile-input suite's refused cases through the real local HTTP server over DynamoDB Local:
 * raw bytes on a socket (invalid UTF-8, bodies at and over the 64 KiB cap, content types,
 * oversized and odd headers, percent-encoded and Unicode paths, export queries), then requests
 * no HTTP client would write. Every answer is a 4xx problem document that repeats no client
 * identifier, and neither the audit chain's head nor any table changes.
 */
const runsPerRoute = 25;
let net: LocalNetwork;
let targets: HostileTargets;
const casesByRoute = new Map<string, number>();
let rawCases = 0;

beforeAll(async () => {
  net = await startLocalNetwork();
  const { keys, clause, practices } = net.net;
  const submitted = await net.call('POST', '/v1/alerts', { key: keys.harbourDesk.apiKey, body: alertBody(clause, { ...canary }) });
  expect(submitted.status).toBe(201);
  const integration = await net.call('PUT', `/v1/practices/${practices.harbour}/integrations/calcom`, {
    key: net.adminKey,
    body: { webhookSecret: hostileWebhookSecret },
  });
  expect(integration.status).toBe(200);
  const today = net.clock().toISOString().slice(0, 10);
  const registered = await net.call('POST', '/v1/bookings', { key: keys.harbourDesk.apiKey, body: { ...hostileBooking, appointmentOn: inAWeek(today) } });
  expect(registered.status).toBe(201);
  targets = {
    keys: { admin: net.adminKey, practice: keys.harbourDesk.apiKey, reviewer: keys.elmReviewer.apiKey, auditor: keys.auditor.apiKey },
    clause,
    alertId: submitted.body.alertId,
    spareKeyId: keys.valleyDesk.keyId,
    practiceId: practices.harbour,
    today,
    bookingRef: hostileBooking.ref,
  };
});

afterAll(async () => {
  const total = [...casesByRoute.values()].reduce((sum, n) => sum + n, 0);
  console.info(`hostile input (HTTP): ${total} generated cases over ${casesByRoute.size} routes, plus ${rawCases} hand-written raw requests`);
  await net?.stop();
});

/** Rows per table: a refused request may not add or remove any. */
async function tableCounts(): Promise<Record<string, number>> {
  const client = localClient(net.config.DYNAMODB_ENDPOINT!);
  const counts: Record<string, number> = {};
  for (const table of [net.config.API_KEYS_TABLE, net.config.MAIN_TABLE, net.config.TOKEN_TABLE, net.config.AUDIT_TABLE]) {
    let count = 0;
    let start: Record<string, any> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: table, Select: 'COUNT', ExclusiveStartKey: start }));
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    counts[table] = count;
  }
  client.destroy();
  return counts;
}

/** The audit chain's head and the alert's version: any write an API call makes moves one of them. */
async function auditHeadAndAlert(): Promise<string> {
  const head = await net.deps.audit.head();
  const alert = await net.deps.alerts.get(targets.alertId);
  return JSON.stringify({ seq: head?.seq, hash: head?.hash, alert: `${alert?.version}:${alert?.status}` });
}

function target(route: RouteDefinition, c: HostileCase): string {
  const path = route.path.replace(/\{(\w+)\}/g, (_match, name: string) => encodeURIComponent(c.params[name] ?? ''));
  const query = new URLSearchParams(c.query as [string, string][]).toString();
  return query ? `${path}?${query}` : path;
}

function send(route: RouteDefinition, c: HostileCase): Promise<RawAnswer> {
  const spec = specOf(route);
  const headers: [string, string][] = [];
  if (c.contentType !== null) headers.push(['Content-Type', c.contentType ?? 'application/json']);
  const authorization = c.authorization !== undefined ? c.authorization : spec.role || c.role ? `Bearer ${targets.keys[c.role ?? spec.role!]}` : null;
  if (authorization !== null) headers.push(['Authorization', authorization]);
  if (c.idempotencyKey !== undefined) headers.push(['Idempotency-Key', c.idempotencyKey]);
  for (const [name, value] of Object.entries(spec.sign?.(c.body) ?? {})) headers.push([name, value]);
  return rawRequest(net.port, { method: route.method, target: target(route, c), headers, body: c.body });
}

const asResult = (answer: RawAnswer): HttpResult => ({
  statusCode: answer.status,
  headers: { ...answer.headers, 'Content-Type': answer.headers['content-type'] ?? '' },
  body: answer.body,
});

/** HTTP trims a header value's surrounding whitespace, which would turn these into different (valid) cases. */
const survivesHttp = (c: HostileCase) => [c.idempotencyKey, c.authorization].every((value) => value == null || value.trim() === value || value.trim() === '');

describe('hostile input through the local HTTP server (DynamoDB Local)', () => {
  it.each(routes as readonly RouteDefinition[])('$method $path', async (route) => {
    const tablesBefore = await tableCounts();
    await fc.assert(
      fc.asyncProperty(
        hostileCase(route, targets).filter((c) => c.invalid && survivesHttp(c)),
        async (c) => {
          casesByRoute.set(routeKey(route), (casesByRoute.get(routeKey(route)) ?? 0) + 1);
          const before = await auditHeadAndAlert();
          const answer = await send(route, c);
          await checkAnswer(c, asResult(answer), before, auditHeadAndAlert);
        },
      ),
      { numRuns: runsPerRoute },
    );
    expect(await tableCounts()).toEqual(tablesBefore);
  });

  it('answers requests no client library would write with a problem document, and changes nothing', async () => {
    const tablesBefore = await tableCounts();
    const before = await auditHeadAndAlert();
    const checks = `/v1/checks`;
    const auth = `Authorization: Bearer ${targets.keys.practice}`;
    const head = (lines: string[]) => Buffer.from([...lines, '', ''].join('\r\n'), 'utf8');
    const chunked = (body: Buffer) => Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
    const overCap = Buffer.from(`{"subject":{"phone":"${canary.phone}"}}${' '.repeat(maxBodyBytes)}`);
    const requests: { label: string; status: number; head: Buffer; body?: Buffer }[] = [
      {
        label: 'Authorization over the header limit',
        status: 431,
        head: head([`POST ${checks} HTTP/1.1`, 'Host: x', 'Connection: close', `Authorization: Bearer ${canary.phone.replace(/\D/g, '').repeat(3_000)}`]),
      },
      { label: 'a raw space in the path', status: 400, head: head([`GET /v1/alerts/${canary.fullName} HTTP/1.1`, 'Host: x', 'Connection: close', auth]) },
      { label: 'raw UTF-8 in the path', status: 400, head: head([`GET /v1/alerts/alt_ü${canary.phone} HTTP/1.1`, 'Host: x', 'Connection: close', auth]) },
      {
        label: 'a header name with a space',
        status: 400,
        head: head([`POST ${checks} HTTP/1.1`, 'Host: x', 'Connection: close', auth, `Client Phone: ${canary.phone}`]),
      },
      {
        label: 'Content-Length and Transfer-Encoding together',
        status: 400,
        head: head([
          `POST ${checks} HTTP/1.1`,
          'Host: x',
          'Connection: close',
          auth,
          'Content-Type: application/json',
          'Content-Length: 5',
          'Transfer-Encoding: chunked',
        ]),
        body: chunked(Buffer.from('{}')),
      },
      {
        label: 'a bad chunk size',
        status: 400,
        head: head([`POST ${checks} HTTP/1.1`, 'Host: x', 'Connection: close', auth, 'Transfer-Encoding: chunked']),
        body: Buffer.from(`zz\r\n{"phone":"${canary.phone}"}\r\n0\r\n\r\n`),
      },
      { label: 'not HTTP at all', status: 400, head: Buffer.from(`${canary.fullName}\r\n\r\n`) },
      {
        label: 'a chunked body over the cap (no Content-Length)',
        status: 413,
        head: head([`POST ${checks} HTTP/1.1`, 'Host: x', 'Connection: close', auth, 'Content-Type: application/json', 'Transfer-Encoding: chunked']),
        body: chunked(overCap),
      },
      {
        label: 'a body over 1 MiB',
        status: 413,
        head: head([`POST ${checks} HTTP/1.1`, 'Host: x', 'Connection: close', auth, 'Content-Type: application/json', `Content-Length: ${2 * 1024 * 1024}`]),
        body: Buffer.alloc(2 * 1024 * 1024, 0x20),
      },
      {
        label: 'two Idempotency-Key headers',
        status: 400,
        head: head([
          `POST /v1/alerts HTTP/1.1`,
          'Host: x',
          'Connection: close',
          `Authorization: Bearer ${targets.keys.practice}`,
          'Content-Type: application/json',
          'Idempotency-Key: first',
          'Idempotency-Key: second',
          `Content-Length: ${Buffer.byteLength(JSON.stringify(alertBody(targets.clause, { ...canary })))}`,
        ]),
        body: Buffer.from(JSON.stringify(alertBody(targets.clause, { ...canary }))),
      },
      { label: 'an unknown method', status: 404, head: head([`PATCH ${checks} HTTP/1.1`, 'Host: x', 'Connection: close', auth]) },
      { label: 'a path outside the API', status: 404, head: head([`GET /v1/../../etc/passwd HTTP/1.1`, 'Host: x', 'Connection: close', auth]) },
      { label: 'an absolute-form target', status: 404, head: head([`GET http://evil.example/v1/health/x HTTP/1.1`, 'Host: x', 'Connection: close']) },
    ];
    for (const request of requests) {
      rawCases += 1;
      const answer = await rawRequest(net.port, { head: request.head, body: request.body });
      const c: HostileCase = { kind: request.label, invalid: true, status: request.status, params: {}, query: [] };
      await checkAnswer(c, asResult(answer), before, auditHeadAndAlert);
    }
    expect(await tableCounts()).toEqual(tablesBefore);
  });

  it('ran every case', () => {
    expect(casesByRoute.size).toBe(routes.length);
    for (const route of routes) expect(casesByRoute.get(routeKey(route)), routeKey(route)).toBeGreaterThanOrEqual(runsPerRoute);
    expect(rawCases).toBe(13);
  });
});
