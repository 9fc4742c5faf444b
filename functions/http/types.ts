import type * as z from 'zod';
import type { Deps } from '#shared/deps.ts';
import type { Principal } from '#shared/records.ts';
import type { Parsed, RouteDocs, RouteRequest } from '#shared/contract/define.ts';
import type { RouteDefinition } from '#shared/routes.ts';

/**
 * What a route handler gets: the caller (authenticated and role-checked already) and the request
 * parts, each already validated with the route's schemas (shared/contract/<group>.ts).
 */
export interface ApiRequest<R extends RouteDefinition = RouteDefinition, Q extends RouteRequest = RouteRequest> {
  readonly principal: R['auth'] extends 'apiKey' ? Principal : undefined;
  readonly params: PartOf<Q, 'params'>;
  readonly query: PartOf<Q, 'query'>;
  /** The headers the route declares, under their canonical names. */
  readonly headers: PartOf<Q, 'headers'>;
  /** The body as the route's schema parsed it; undefined for a route without one, or one that takes its body raw. */
  readonly body: Q['rawBody'] extends true ? undefined : Parsed<Q['body']>;
  /** The JSON body exactly as received, before parsing (a receipt signs what was sent). */
  readonly json: unknown;
  /** A route that takes its body raw (`rawBody` in its request entry): the bytes exactly as sent, and how to read them as JSON. */
  readonly rawBody: Q['rawBody'] extends true ? RawRequestBody : undefined;
  readonly requestId: string;
}

export interface RawRequestBody {
  /** The body's bytes as the caller sent them (at most 64 KiB). */
  readonly bytes: Buffer;
  /** The bytes read as JSON, with the same checks (content type, UTF-8, syntax) and errors as any JSON body. */
  json(): unknown;
}

type PartOf<Q extends RouteRequest, P extends 'params' | 'query' | 'headers'> = Q[P] extends infer S extends z.ZodType
  ? z.output<S>
  : Readonly<Record<string, never>>;

export interface ApiResponse<Status extends number = number> {
  readonly status: Status;
  /** Sent as JSON; a RawBody is sent as it is, with its own Content-Type (an export page). */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** A body that is not JSON: its text goes out unchanged under `contentType`. */
export class RawBody {
  constructor(
    readonly text: string,
    readonly contentType: string,
  ) {}
}

/** A route's handler, typed from its route entry and its contract: it may only answer a documented success status. */
export type RouteHandler<R extends RouteDefinition = RouteDefinition, Q extends RouteRequest = RouteRequest, D extends RouteDocs = RouteDocs> = (
  request: ApiRequest<R, Q>,
  deps: Deps,
) => Promise<ApiResponse<keyof D['responses'] & number>>;

/** The context our Lambda authorizer hands to every protected route (strings only, as API Gateway requires). */
export interface AuthorizerContext {
  readonly authenticated: 'true' | 'false';
  readonly keyId?: string;
  readonly role?: string;
  readonly practiceId?: string;
}
