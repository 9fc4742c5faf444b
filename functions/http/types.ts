import type { Deps } from '#shared/deps.ts';
import type { Principal } from '#shared/records.ts';

/** What a route handler gets: the caller (authenticated and role-checked already) and the request parts. */
export interface ApiRequest {
  readonly principal: Principal | undefined;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body; undefined when the request had none (or the route takes its raw bytes). */
  readonly body: unknown;
  /** The body's bytes as sent, for a route that asks for them (`rawBody` in the route table). */
  readonly rawBody?: Buffer | undefined;
  readonly requestId: string;
}

export interface ApiResponse {
  readonly status: number;
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

export type RouteHandler = (request: ApiRequest, deps: Deps) => Promise<ApiResponse>;

/** The context our Lambda authorizer hands to every protected route (strings only, as API Gateway requires). */
export interface AuthorizerContext {
  readonly authenticated: 'true' | 'false';
  readonly keyId?: string;
  readonly role?: string;
  readonly practiceId?: string;
}
