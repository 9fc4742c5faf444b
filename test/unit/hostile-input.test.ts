import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Context } from 'aws-lambda';
import { routeKey, routes, type RouteDefinition, type Role } from '#shared/routes.ts';
import type { HttpEvent, HttpResult } from '#functions/http/group-handler.ts';
import { decodeUtf8, maxBodyBytes } from '#functions/http/request.ts';
import { createApiKey } from '#shared/domain/api-keys.ts';
import { createPractice } from '#shared/domain/practices.ts';
import { submitAlert } from '#shared/domain/alerts.ts';
import { decideReview } from '#shared/domain/reviews.ts';
import { disputeAlert } from '#shared/domain/lifecycle.ts';
import type { Principal } from '#shared/records.ts';
import { localHandlers } from '../../infra/local/handlers.ts';
import { buildTestDeps, type TestDeps } from '../fakes/deps.ts';
import { publishTestClause, submission } from '../fakes/fixtures.ts';
import {
  echoedCanary,
  hostileBooking,
  hostileCase,
  hostileWebhookSecret,
  inAWeek,
  specOf,
  validCase,
  type HostileCase,
  type HostileTargets,
} from '../support/hostile-cases.ts';
import { registerBooking } from '#shared/domain/bookings.ts';
import { configureCalcom } from '#shared/domain/integrations.ts';
import { calcomIntegrationSchema, parseInput } from '#shared/schemas.ts';
import { checkAnswer } from '../support/hostile-answers.ts';

/**
 * Hostile input (issue 6, API4/API8) against every route's group handler, over in-memory fakes,
 * with the authorizer in front as API Gateway puts it. Every case starts from the route's valid
 * request and breaks one thing (see test/support/hostile-cases.ts). Whatever the case: never a
 * 5xx; a refusal is a problem document a person can act on; no answer or log line repeats a
 * client identifier; Object.prototype stays clean; and a refused request changes no stored state.
 */
const runsPerRoute = 150;
const casesByRoute = new Map<string, number>();
const casesByKind = new Map<string, number>();
const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

const setupAdmin = { keyId: 'key_setup-admin', role: 'admin' } as const;

/** A fresh network for one route: three practices, a key of each role, a clause and an alert in the state the route needs. */
async function network(route: RouteDefinition) {
  const spec = specOf(route);
  const deps = buildTestDeps();
  const practice = async (name: string) => (await createPractice(deps, setupAdmin, { name, region: 'CT' })).practiceId;
  const [harbour, elm, valley] = [await practice('Harbour'), await practice('Elm'), await practice('Valley')];
  const key = (role: Role, practiceId?: string) => createApiKey(deps, setupAdmin, { role, practiceId, label: role });
  const created = {
    admin: await key('admin'),
    practice: await key('practice', harbour),
    reviewer: await key('reviewer', elm),
    auditor: await key('auditor'),
  };
  const spare = await key('practice', harbour);
  const valleyReviewer = await key('reviewer', valley);
  const clause = await publishTestClause(deps);
  const as = (created: { keyId: string; role: Role; practiceId?: string | undefined }): Principal => ({
    keyId: created.keyId,
    role: created.role,
    practiceId: created.practiceId,
  });
  const { alertId } = await submitAlert(deps, as(created.practice), submission(clause));
  if (spec.alertState !== 'pending_review') {
    await decideReview(deps, as(created.reviewer), alertId, { decision: 'approve', reason: 'In order.' });
    await decideReview(deps, as(valleyReviewer), alertId, { decision: 'approve', reason: 'Agree.' });
  }
  if (spec.alertState === 'suspended') await disputeAlert(deps, as(created.admin), alertId, 'Disputed through counsel.');
  await configureCalcom(deps, as(created.admin), harbour, parseInput(calcomIntegrationSchema, { webhookSecret: hostileWebhookSecret }));
  // Into the window before expiry in which a published alert may be re-confirmed.
  if (spec.alertState === 'published') deps.clock.advanceDays(deps.settings.alertTtlDays - deps.settings.reconfirmWindowDays + 1);
  const targets: HostileTargets = {
    keys: { admin: created.admin.apiKey, practice: created.practice.apiKey, reviewer: created.reviewer.apiKey, auditor: created.auditor.apiKey },
    clause: { clauseId: clause.clauseId, version: clause.version, sha256: clause.sha256 },
    alertId,
    spareKeyId: spare.keyId,
    practiceId: harbour,
    today: deps.clock().toISOString().slice(0, 10),
    bookingRef: hostileBooking.ref,
  };
  await registerBooking(deps, as(created.practice), { ...hostileBooking, appointmentOn: inAWeek(targets.today) });
  return { deps, targets, ...localHandlers(deps) };
}

type Network = Awaited<ReturnType<typeof network>>;

/** The case as API Gateway hands it to the functions: the authorizer first, then the route's group handler. */
async function send(net: Network, route: RouteDefinition, c: HostileCase, base64: boolean): Promise<HttpResult> {
  const spec = specOf(route);
  const headers: Record<string, string> = {};
  if (c.contentType !== null) headers['content-type'] = c.contentType ?? 'application/json';
  const authorization = c.authorization !== undefined ? c.authorization : spec.role || c.role ? `Bearer ${net.targets.keys[c.role ?? spec.role!]}` : null;
  if (authorization !== null) headers.authorization = authorization;
  if (c.idempotencyKey !== undefined) headers['idempotency-key'] = c.idempotencyKey;
  Object.assign(headers, spec.sign?.(c.body));
  const asBase64 = c.body !== undefined && (base64 || decodeUtf8(c.body) === undefined);
  const query: Record<string, string> = {};
  for (const [name, value] of c.query)
    Object.defineProperty(query, name, {
      value: Object.hasOwn(query, name) ? `${query[name]},${value}` : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  const event = {
    version: '2.0',
    routeKey: routeKey(route),
    rawPath: route.path,
    rawQueryString: new URLSearchParams(c.query as [string, string][]).toString(),
    headers,
    queryStringParameters: c.query.length ? query : undefined,
    pathParameters: Object.keys(c.params).length ? c.params : undefined,
    body: c.body === undefined || c.body.length === 0 ? undefined : c.body.toString(asBase64 ? 'base64' : 'utf8'),
    isBase64Encoded: asBase64,
    requestContext: {
      requestId: 'hostile',
      routeKey: routeKey(route),
      http: { method: route.method, path: route.path },
      authorizer: { lambda: { authenticated: 'false' } },
    },
  } as unknown as HttpEvent;
  if (route.auth === 'apiKey' && authorization) {
    const decision = await net.authorizer({ headers, identitySource: [authorization] });
    event.requestContext.authorizer = { lambda: decision.context };
  }
  return net.groups[route.group](event, {} as Context);
}

/** What a refused request must not have changed: the audit chain, the alerts, the index, the quotas, the outbox, the notices. */
async function storedState(deps: TestDeps): Promise<string> {
  const { alerts, idempotency } = deps.memory.alerts.dump();
  return JSON.stringify({
    auditLength: deps.memory.audit.entries.length,
    auditHead: deps.memory.audit.entries.at(-1)?.hash,
    alerts: alerts.map((alert) => `${alert.alertId}:${alert.version}:${alert.status}`),
    idempotency: idempotency.length,
    index: deps.memory.tokenIndex.dump(),
    quotas: [...deps.memory.ledger.counts],
    outbox: deps.memory.outbox.kept.length,
    sent: deps.sent.length,
    seals: deps.memory.seals.length,
    clauses: (await deps.clauses.list()).map((clause) => `${clause.clauseId}:${clause.version}`),
  });
}

describe('hostile input against every route (group handlers over in-memory fakes)', () => {
  it.each(routes as readonly RouteDefinition[])('valid request first: $method $path answers 2xx', async (route) => {
    const net = await network(route);
    const result = await send(net, route, validCase(route, net.targets), false);
    expect(result.statusCode, result.body).toBeGreaterThanOrEqual(200);
    expect(result.statusCode, result.body).toBeLessThan(300);
    expect(echoedCanary(`${JSON.stringify(result.headers)}${result.body ?? ''}`)).toBeUndefined();
  });

  it.each((routes as readonly RouteDefinition[]).filter((route) => specOf(route).body))(
    'the cap is 64 KiB exactly: $method $path accepts a valid body padded to the cap, and refuses one byte more',
    async (route) => {
      for (const base64 of [false, true]) {
        const net = await network(route);
        const valid = validCase(route, net.targets);
        const padded = (size: number) => Buffer.concat([Buffer.alloc(size - valid.body!.length, 0x20), valid.body!]);
        const over = await send(net, route, { ...valid, body: padded(maxBodyBytes + 1) }, base64);
        expect(over.statusCode).toBe(413);
        expect(JSON.parse(over.body ?? '{}').detail).toContain(String(maxBodyBytes));
        const atCap = await send(net, route, { ...valid, body: padded(maxBodyBytes) }, base64);
        expect(atCap.statusCode, atCap.body).toBeGreaterThanOrEqual(200);
        expect(atCap.statusCode, atCap.body).toBeLessThan(300);
      }
    },
  );

  it.each(routes as readonly RouteDefinition[])('$method $path', async (route) => {
    const net = await network(route);
    await fc.assert(
      fc.asyncProperty(hostileCase(route, net.targets), fc.boolean(), async (c, base64) => {
        count(casesByRoute, routeKey(route));
        count(casesByKind, c.kind);
        const logged = net.deps.logLines.length;
        const before = await storedState(net.deps);
        const result = await send(net, route, c, base64);
        await checkAnswer(c, result, before, () => storedState(net.deps));
        expect(echoedCanary(JSON.stringify(net.deps.logLines.slice(logged))), `${c.kind}: a log line repeats a client identifier`).toBeUndefined();
        net.deps.clock.advanceMs(61_000); // out of the per-minute quota window, so valid checks keep being answered
      }),
      { numRuns: runsPerRoute },
    );
  });

  it('ran every case: each route and every kind of hostile input', () => {
    expect(casesByRoute.size).toBe(routes.length);
    for (const route of routes) expect(casesByRoute.get(routeKey(route)), routeKey(route)).toBeGreaterThanOrEqual(runsPerRoute);
    const total = [...casesByRoute.values()].reduce((sum, n) => sum + n, 0);
    expect(total).toBeGreaterThanOrEqual(routes.length * runsPerRoute);
    for (const kind of [
      'wrong-type',
      'extra-field-prototype',
      'huge-string',
      'deep-nesting',
      'odd-unicode',
      'edge-number',
      'invalid-utf8',
      'size-over-cap',
      'size-at-cap',
      'malformed-json',
      'content-type-refused',
      'bad-authorization',
      'hostile-path',
      'hostile-query',
    ]) {
      expect(casesByKind.get(kind) ?? 0, kind).toBeGreaterThan(0);
    }
  });

  afterAll(() => {
    const total = [...casesByRoute.values()].reduce((sum, n) => sum + n, 0);
    console.info(
      `hostile input (unit): ${total} cases over ${casesByRoute.size} routes; by kind: ${[...casesByKind]
        .sort()
        .map(([kind, n]) => `${kind}=${n}`)
        .join(', ')}`,
    );
  });
});
