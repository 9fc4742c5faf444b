/**
 * The one route table. The CDK stack makes an HTTP API route per entry (integrated with the
 * entry's function group, behind the Lambda authorizer unless `auth` is 'none'); the local
 * server matches requests against the same entries and calls the same group handler.
 */
export const roles = ['admin', 'reviewer', 'practice', 'auditor'] as const;
export type Role = (typeof roles)[number];

export const functionGroups = ['health', 'admin', 'clauses', 'alerts', 'reviews', 'checks', 'audit', 'integrations'] as const;
export type FunctionGroup = (typeof functionGroups)[number];

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteDefinition {
  readonly method: Method;
  /** API Gateway path syntax: `{name}` is a path parameter. */
  readonly path: string;
  readonly group: FunctionGroup;
  readonly auth: 'none' | 'apiKey';
  /** Roles allowed to call the route; empty for public routes. */
  readonly roles: readonly Role[];
  /** The handler gets the body's bytes as sent (a signed webhook), not parsed JSON. */
  readonly rawBody?: true;
}

const everyRole = roles;

export const routes = [
  { method: 'GET', path: '/v1/health', group: 'health', auth: 'none', roles: [] },

  { method: 'POST', path: '/v1/practices', group: 'admin', auth: 'apiKey', roles: ['admin'] },
  { method: 'POST', path: '/v1/keys', group: 'admin', auth: 'apiKey', roles: ['admin'] },
  { method: 'DELETE', path: '/v1/keys/{keyId}', group: 'admin', auth: 'apiKey', roles: ['admin'] },

  { method: 'POST', path: '/v1/consent-clauses', group: 'clauses', auth: 'apiKey', roles: ['admin'] },
  { method: 'POST', path: '/v1/consent-clauses/{clauseId}/versions', group: 'clauses', auth: 'apiKey', roles: ['admin'] },
  { method: 'GET', path: '/v1/consent-clauses', group: 'clauses', auth: 'apiKey', roles: everyRole },

  { method: 'POST', path: '/v1/alerts', group: 'alerts', auth: 'apiKey', roles: ['practice'] },
  { method: 'GET', path: '/v1/alerts/{alertId}', group: 'alerts', auth: 'apiKey', roles: ['practice', 'reviewer', 'admin'] },
  { method: 'POST', path: '/v1/alerts/{alertId}/retract', group: 'alerts', auth: 'apiKey', roles: ['practice', 'admin'] },
  { method: 'POST', path: '/v1/alerts/{alertId}/disputes', group: 'alerts', auth: 'apiKey', roles: ['admin'] },
  { method: 'POST', path: '/v1/alerts/{alertId}/reinstate', group: 'alerts', auth: 'apiKey', roles: ['admin'] },

  { method: 'GET', path: '/v1/reviews/queue', group: 'reviews', auth: 'apiKey', roles: ['reviewer'] },
  { method: 'POST', path: '/v1/alerts/{alertId}/reviews', group: 'reviews', auth: 'apiKey', roles: ['reviewer'] },
  { method: 'POST', path: '/v1/alerts/{alertId}/reconfirm', group: 'reviews', auth: 'apiKey', roles: ['reviewer'] },

  { method: 'POST', path: '/v1/checks', group: 'checks', auth: 'apiKey', roles: ['practice'] },
  { method: 'POST', path: '/v1/checks/batch', group: 'checks', auth: 'apiKey', roles: ['practice'] },

  { method: 'PUT', path: '/v1/practices/{practiceId}/integrations/calcom', group: 'integrations', auth: 'apiKey', roles: ['admin', 'practice'] },
  { method: 'GET', path: '/v1/practices/{practiceId}/integrations/calcom', group: 'integrations', auth: 'apiKey', roles: ['admin', 'practice'] },
  // Cal.com's webhook: no API key; the X-Cal-Signature-256 header over the raw body authenticates it.
  { method: 'POST', path: '/v1/integrations/calcom/{practiceId}', group: 'integrations', auth: 'none', roles: [], rawBody: true },

  { method: 'GET', path: '/v1/audit/export', group: 'audit', auth: 'apiKey', roles: ['auditor'] },
  { method: 'GET', path: '/v1/audit/verification-key', group: 'audit', auth: 'apiKey', roles: ['auditor'] },
  { method: 'POST', path: '/v1/audit/subject-tokens', group: 'audit', auth: 'apiKey', roles: ['auditor'] },
] as const satisfies readonly RouteDefinition[];

/** API Gateway's route key: `METHOD /path/{param}`. */
export const routeKey = (route: RouteDefinition): string => `${route.method} ${route.path}`;

const byRouteKey = new Map((routes as readonly RouteDefinition[]).map((route) => [routeKey(route), route]));

export function findRoute(key: string): RouteDefinition | undefined {
  return byRouteKey.get(key);
}
