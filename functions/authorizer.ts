import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { authenticate, bearerToken } from '#shared/domain/api-keys.ts';
import type { Deps } from '#shared/deps.ts';
import type { AuthorizerContext } from './http/types.ts';
import { lambdaDeps } from './http/lambda-deps.ts';

export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>;

/**
 * API key → role and practice. A malformed, unknown or revoked key is refused here
 * (`isAuthorized: false`), so no route's function runs for it: in AWS, API Gateway answers it
 * itself (a bare 403, as an HTTP API does for a denial; a request without the header is a 401
 * before this runs), and caches the denial per header like an acceptance. A malformed key is
 * refused without reading the key table. A valid key passes with its role and practice in the
 * context; the route's handler checks the role against the route table. API Gateway caches an
 * answer per key for at most 60 seconds, so a revoked key stops working within a minute in AWS
 * (the local server caches valid keys the same way, but forgets a key revoked through it at once:
 * infra/local/authorizer-cache.ts).
 */
export const createAuthorizer =
  (source: Deps | (() => Deps)) =>
  async (event: Pick<APIGatewayRequestAuthorizerEventV2, 'headers' | 'identitySource'>): Promise<AuthorizerResult> => {
    const deps = typeof source === 'function' ? source() : source;
    const presented = bearerToken(event.headers?.authorization ?? event.headers?.Authorization ?? event.identitySource?.[0]);
    const principal = presented === undefined ? undefined : await authenticate(deps, presented);
    if (!principal) return { isAuthorized: false, context: { authenticated: 'false' } };
    return {
      isAuthorized: true,
      context: { authenticated: 'true', keyId: principal.keyId, role: principal.role, practiceId: principal.practiceId ?? '' },
    };
  };

export const handler = createAuthorizer(lambdaDeps);
