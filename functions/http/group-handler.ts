import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { NotFoundError, ForbiddenError, UnauthorizedError } from '#shared/errors.ts';
import type { Deps } from '#shared/deps.ts';
import type { Logger } from '#shared/ports.ts';
import type { Principal } from '#shared/records.ts';
import { findRoute, roles, type FunctionGroup, type Role, type RouteDefinition } from '#shared/routes.ts';
import { jsonResponse, problemResponse } from './problem.ts';
import { header, readJsonBody, readRawBody } from './request.ts';
import type { AuthorizerContext, RouteHandler } from './types.ts';

export type HttpEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;
export type HttpResult = APIGatewayProxyStructuredResultV2;
export type DepsSource = Deps | (() => Deps);

/**
 * One Lambda per route group. The pipeline is the same for every group: find the route in
 * the route table, check the caller and their role against it, read the body, run the
 * route's handler, shape the answer — and map any error to problem+json in one place.
 */
export function createGroupHandler(group: FunctionGroup, handlers: Record<string, RouteHandler>, source: DepsSource) {
  const deps = typeof source === 'function' ? source : () => source;
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
      const handle = handlers[event.routeKey];
      if (!route || route.group !== group || !handle) throw new NotFoundError('There is no such route.');
      const principal = authorise(route, event);
      deps().logger.debug('handling request', { routeKey: event.routeKey, requestId: event.requestContext.requestId, role: principal?.role, keyId: principal?.keyId });
      const response = await handle(
        {
          principal,
          params: definedOnly(event.pathParameters),
          query: definedOnly(event.queryStringParameters),
          headers: definedOnly(event.headers),
          ...(route.rawBody ? { body: undefined, rawBody: readRawBody(event) } : { body: readJsonBody(event) }),
          requestId: event.requestContext.requestId,
        },
        deps(),
      );
      return jsonResponse(response.status, response.body, response.headers);
    });
}

/** The caller from the authorizer's context: 401 without a valid key, 403 for a role the route does not allow. */
function authorise(route: RouteDefinition, event: HttpEvent): Principal | undefined {
  if (route.auth === 'none') return undefined;
  const context = event.requestContext.authorizer?.lambda;
  if (!context || context.authenticated !== 'true' || !context.keyId || !isRole(context.role)) {
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
