import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { authenticate, bearerToken } from '#shared/domain/api-keys.ts';
import type { Deps } from '#shared/deps.ts';
import type { AuthorizerContext } from './http/types.ts';
import { lambdaDeps } from './http/lambda-deps.ts';

export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>;

/**
 * API key → role and practice. It always lets the request through and says in the context
 * whether the key is valid: an HTTP API authorizer's own denial is a bare 403, while the
 * contract wants a problem+json 401 for an unknown or revoked key, which the route's handler
 * then answers. API Gateway caches this answer per key for at most 60 seconds, so a revoked
 * key stops working within a minute in AWS (the local server caches the same way, but forgets a key
 * revoked through it at once: infra/local/authorizer-cache.ts).
 */
export const createAuthorizer = (source: Deps | (() => Deps)) => async (event: Pick<APIGatewayRequestAuthorizerEventV2, 'headers' | 'identitySource'>): Promise<AuthorizerResult> => {
  const deps = typeof source === 'function' ? source() : source;
  const presented = bearerToken(event.headers?.authorization ?? event.headers?.Authorization ?? event.identitySource?.[0]);
  const principal = presented === undefined ? undefined : await authenticate(deps, presented);
  if (!principal) return { isAuthorized: true, context: { authenticated: 'false' } };
  return {
    isAuthorized: true,
    context: { authenticated: 'true', keyId: principal.keyId, role: principal.role, practiceId: principal.practiceId ?? '' },
  };
};

export const handler = createAuthorizer(lambdaDeps);
