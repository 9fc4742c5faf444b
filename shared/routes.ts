/**
 * The route list: method, path, function group, authentication and roles of every route. It is
 * the light half of the route table: the CDK stack, the authorizer's neighbours and the local
 * server read it without pulling in a single schema. The other half, what each route takes and
 * answers (its schemas, descriptions and examples), is in the group's contract module
 * (shared/contract/<group>.ts); the type system keeps the two in step, and the OpenAPI document
 * (docs/openapi.json, `npm run contract`) is generated from both.
 *
 * To add a route: add its entry here, then its contract entry in shared/contract/<group>.ts and
 * its handler in functions/<group>.ts (each is a type error until the other two exist), then run
 * `npm run contract`.
 */
export const roles = ['admin', 'reviewer', 'practice', 'auditor'] as const;
export type Role = (typeof roles)[number];

export const functionGroups = ['health', 'admin', 'clauses', 'alerts', 'reviews', 'checks', 'audit', 'integrations', 'bookings'] as const;
export type FunctionGroup = (typeof functionGroups)[number];

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteDefinition {
  readonly method: Method;
  /** API Gateway path syntax: `{name}` is a path parameter. */
  readonly path: string;
  readonly group: FunctionGroup;
  readonly auth: 'none' | 'apiKey';
  /** Roles allowed to call the route; empty for public routes. */
  readonly roles: readonly Role[];
}

const everyRole = roles;

export const routes = [
  { method: 'GET', path: '/v1/health', group: 'health', auth: 'none', roles: [] },
  { method: 'GET', path: '/v1/openapi.json', group: 'health', auth: 'none', roles: [] },

  { method: 'GET', path: '/v1/me', group: 'admin', auth: 'apiKey', roles: everyRole },
  { method: 'POST', path: '/v1/practices', group: 'admin', auth: 'apiKey', roles: ['admin'] },
  { method: 'GET', path: '/v1/practices', group: 'admin', auth: 'apiKey', roles: ['admin'] },
  { method: 'POST', path: '/v1/keys', group: 'admin', auth: 'apiKey', roles: ['admin'] },
  { method: 'GET', path: '/v1/keys', group: 'admin', auth: 'apiKey', roles: ['admin'] },
  { method: 'DELETE', path: '/v1/keys/{keyId}', group: 'admin', auth: 'apiKey', roles: ['admin'] },
  { method: 'GET', path: '/v1/overview', group: 'admin', auth: 'apiKey', roles: ['admin'] },

  // Network statistics (served by the admin function): the full breakdown, and a public summary with the same suppression.
  { method: 'GET', path: '/v1/stats', group: 'admin', auth: 'apiKey', roles: ['admin'] },
  { method: 'GET', path: '/v1/stats/summary', group: 'admin', auth: 'none', roles: [] },

  { method: 'POST', path: '/v1/consent-clauses', group: 'clauses', auth: 'apiKey', roles: ['admin'] },
  { method: 'POST', path: '/v1/consent-clauses/{clauseId}/versions', group: 'clauses', auth: 'apiKey', roles: ['admin'] },
  { method: 'GET', path: '/v1/consent-clauses', group: 'clauses', auth: 'apiKey', roles: everyRole },

  { method: 'POST', path: '/v1/alerts', group: 'alerts', auth: 'apiKey', roles: ['practice'] },
  { method: 'GET', path: '/v1/alerts', group: 'alerts', auth: 'apiKey', roles: ['practice', 'admin'] },
  { method: 'GET', path: '/v1/alerts/{alertId}', group: 'alerts', auth: 'apiKey', roles: ['practice', 'reviewer', 'admin'] },
  { method: 'POST', path: '/v1/alerts/{alertId}/retract', group: 'alerts', auth: 'apiKey', roles: ['practice', 'admin'] },
  { method: 'POST', path: '/v1/alerts/{alertId}/disputes', group: 'alerts', auth: 'apiKey', roles: ['admin'] },
  { method: 'POST', path: '/v1/alerts/{alertId}/reinstate', group: 'alerts', auth: 'apiKey', roles: ['admin'] },

  { method: 'GET', path: '/v1/reviews/queue', group: 'reviews', auth: 'apiKey', roles: ['reviewer'] },
  { method: 'GET', path: '/v1/reviews/decided', group: 'reviews', auth: 'apiKey', roles: ['reviewer'] },
  { method: 'POST', path: '/v1/alerts/{alertId}/reviews', group: 'reviews', auth: 'apiKey', roles: ['reviewer'] },
  { method: 'POST', path: '/v1/alerts/{alertId}/reconfirm', group: 'reviews', auth: 'apiKey', roles: ['reviewer'] },

  { method: 'POST', path: '/v1/checks', group: 'checks', auth: 'apiKey', roles: ['practice'] },
  { method: 'POST', path: '/v1/checks/batch', group: 'checks', auth: 'apiKey', roles: ['practice'] },

  { method: 'PUT', path: '/v1/practices/{practiceId}/integrations/calcom', group: 'integrations', auth: 'apiKey', roles: ['admin', 'practice'] },
  { method: 'GET', path: '/v1/practices/{practiceId}/integrations/calcom', group: 'integrations', auth: 'apiKey', roles: ['admin', 'practice'] },
  // Cal.com's webhook: no API key; the X-Cal-Signature-256 header over the raw body authenticates it.
  { method: 'POST', path: '/v1/integrations/calcom/{practiceId}', group: 'integrations', auth: 'none', roles: [] },

  // Re-screening: upcoming bookings registered to be screened again when an alert publishes, and the
  // reporter's opt-in to its alert's daily match digest.
  { method: 'POST', path: '/v1/bookings', group: 'bookings', auth: 'apiKey', roles: ['practice'] },
  { method: 'GET', path: '/v1/bookings', group: 'bookings', auth: 'apiKey', roles: ['practice'] },
  { method: 'DELETE', path: '/v1/bookings/{ref}', group: 'bookings', auth: 'apiKey', roles: ['practice'] },
  { method: 'GET', path: '/v1/alerts/{alertId}/match-digest', group: 'bookings', auth: 'apiKey', roles: ['practice'] },
  { method: 'PUT', path: '/v1/alerts/{alertId}/match-digest', group: 'bookings', auth: 'apiKey', roles: ['practice'] },

  { method: 'GET', path: '/v1/audit/export', group: 'audit', auth: 'apiKey', roles: ['auditor'] },
  { method: 'GET', path: '/v1/audit/verification-key', group: 'audit', auth: 'apiKey', roles: ['auditor'] },
  { method: 'POST', path: '/v1/audit/subject-tokens', group: 'audit', auth: 'apiKey', roles: ['auditor'] },
  { method: 'GET', path: '/v1/audit/checkpoints', group: 'audit', auth: 'apiKey', roles: ['auditor', 'admin'] },
  { method: 'POST', path: '/v1/audit/checkpoints', group: 'audit', auth: 'apiKey', roles: ['auditor', 'admin'] },
] as const satisfies readonly RouteDefinition[];

export type Route = (typeof routes)[number];

/** API Gateway's route key of a route: `METHOD /path/{param}`. */
export type RouteKey<R extends RouteDefinition = Route> = R extends RouteDefinition ? `${R['method']} ${R['path']}` : never;

/** The route whose key is K. */
export type RouteOf<K extends RouteKey> = Extract<
  Route,
  { readonly method: K extends `${infer M} ${string}` ? M : never; readonly path: K extends `${string} ${infer P}` ? P : never }
>;

/** The route keys of one function group. */
export type GroupRouteKey<G extends FunctionGroup> = RouteKey<Extract<Route, { readonly group: G }>>;

/** API Gateway's route key: `METHOD /path/{param}`. */
export const routeKey = <R extends RouteDefinition>(route: R): RouteKey<R> => `${route.method} ${route.path}` as RouteKey<R>;

const byRouteKey = new Map<string, RouteDefinition>((routes as readonly RouteDefinition[]).map((route) => [routeKey(route), route]));

export function findRoute(key: string): RouteDefinition | undefined {
  return byRouteKey.get(key);
}
