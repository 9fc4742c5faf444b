import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type * as z from 'zod';
import { NotFoundError, ForbiddenError, UnauthorizedError } from '#shared/errors.ts';
import type { Deps } from '#shared/deps.ts';
import type { Logger } from '#shared/ports.ts';
import type { Principal } from '#shared/records.ts';
import { parseInput } from '#shared/schemas.ts';
import type { AnyGroupContract, RouteRequest, SchemaSource } from '#shared/contract/define.ts';
import { findRoute, roles, type Role, type RouteDefinition, type RouteKey, type RouteOf } from '#shared/routes.ts';
import { jsonResponse, problemResponse } from './problem.ts';
import { header, parseJsonBytes, readJsonBody, readRawBody } from './request.ts';
import type { AuthorizerContext, RawRequestBody, RouteHandler } from './types.ts';

export type HttpEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;
export type HttpResult = APIGatewayProxyStructuredResultV2;
export type DepsSource = Deps | (() => Deps);

/** The handlers of a group: exactly one per route of the group, each typed from its route and contract. */
export type HandlerMap<C extends AnyGroupContract> = {
  readonly [K in keyof C['requests']['routes'] & RouteKey]: RouteHandler<RouteOf<K>, C['requests']['routes'][K], C['routes'][K]>;
};

/**
 * One Lambda per route group. The pipeline is the same for every group: find the route in
 * the route table, check the caller and their role against it, read the body, validate path
 * parameters, declared headers, query and body with the route's schemas, run the route's
 * handler with the typed values, shape the answer — and map any error to problem+json in one place.
 */
export function createGroupHandler<C extends AnyGroupContract>(requests: C['requests'], handlers: HandlerMap<C>, source: DepsSource) {
  const deps = typeof source === 'function' ? source : () => source;
  const entries: Readonly<Record<string, RouteRequest>> = requests.routes;
  const handlerOf = handlers as unknown as Readonly<Record<string, RouteHandler>>;
  return middy<HttpEvent, HttpResult>()
    .use({
      onError: async (request) => {
        let logger: Logger;
        try {
          logger = deps().logger;
        } catch {
          logger = console; // the configuration itself failed: still say so in the function's log
        }
        request.response = problemResponse(request.error, request.event.requestContext?.requestId ?? 'unknown', logger);
      },
    })
    .handler(async (event: HttpEvent, _context: Context) => {
      const route = findRoute(event.routeKey);
      const entry = Object.hasOwn(entries, event.routeKey) ? entries[event.routeKey] : undefined;
      const handle = Object.hasOwn(handlerOf, event.routeKey) ? handlerOf[event.routeKey] : undefined;
      if (!route || route.group !== requests.group || !entry || !handle) throw new NotFoundError('There is no such route.');
      const principal = authorise(route, event);
      deps().logger.debug('handling request', {
        routeKey: event.routeKey,
        requestId: event.requestContext.requestId,
        role: principal?.role,
        keyId: principal?.keyId,
      });
      // A route that takes its body raw (a signed webhook) gets the bytes as sent and parses them itself.
      const json = entry.rawBody ? undefined : readJsonBody(event);
      const rawBody = entry.rawBody ? rawRequestBody(event) : undefined;
      const request = entry;
      const response = await handle(
        {
          principal: principal as never,
          params: (request.params ? pathParams(request.params, definedOnly(event.pathParameters)) : {}) as never,
          headers: (request.headers ? declaredHeaders(request.headers, event.headers) : {}) as never,
          query: (request.query ? parseInput(request.query, definedOnly(event.queryStringParameters)) : {}) as never,
          body: (request.body && !request.rawBody ? parseInput(resolveSchema(request.body, deps().settings.phoneRegion), json) : undefined) as never,
          json,
          rawBody: rawBody as never,
          requestId: event.requestContext.requestId,
        },
        deps(),
      );
      return jsonResponse(response.status, response.body, response.headers);
    });
}

/** The body of a route that reads it itself: its bytes now (the 64 KiB cap applies), JSON when asked. */
function rawRequestBody(event: HttpEvent): RawRequestBody {
  const bytes = readRawBody(event);
  return { bytes, json: () => parseJsonBytes(bytes, header(event.headers, 'content-type')) };
}

/** A schema source for this deployment's phone region. */
export function resolveSchema(source: SchemaSource, phoneRegion: string): z.ZodType {
  return typeof source === 'function' ? source(phoneRegion) : source;
}

/** Path parameters: anything not shaped like one of our ids simply does not exist (404, not 400). */
function pathParams(schema: z.ZodObject, params: Record<string, string>): unknown {
  const parsed = schema.safeParse(params);
  if (parsed.success) return parsed.data;
  const name = String(parsed.error.issues[0]?.path[0] ?? 'resource');
  throw new NotFoundError(`No such ${name.replace(/Id$/, '')}.`);
}

/** The headers a route declares, read case-insensitively and validated under their canonical names. */
function declaredHeaders(schema: z.ZodObject, headers: HttpEvent['headers']): unknown {
  const values = Object.fromEntries(Object.keys(schema.shape).map((name) => [name, header(headers, name.toLowerCase())]));
  return parseInput(schema, values);
}

/** The caller from the authorizer's context: 401 without a valid key, 403 for a role the route does not allow. */
function authorise(route: RouteDefinition, event: HttpEvent): Principal | undefined {
  if (route.auth === 'none') return undefined;
  const context = event.requestContext.authorizer?.lambda;
  if (context?.authenticated !== 'true' || !context.keyId || !isRole(context.role)) {
    throw new UnauthorizedError(header(event.headers, 'authorization') ? 'This API key is unknown or has been revoked.' : undefined);
  }
  if (!route.roles.includes(context.role)) {
    throw new ForbiddenError(`A ${context.role} key may not use ${route.method} ${route.path}; it needs a ${route.roles.join(' or ')} key.`);
  }
  return { keyId: context.keyId, role: context.role, practiceId: context.practiceId || undefined };
}

const isRole = (value: unknown): value is Role => roles.includes(value as Role);

/**
 * The defined entries as own properties: a query parameter or header named `__proto__` stays a
 * key (and is refused as unknown) instead of being swallowed by assignment to the prototype.
 */
function definedOnly(record: Record<string, string | undefined> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(record ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
