/**
 * The typed Peerguard client: openapi-fetch over the types generated from docs/openapi.json
 * (client/openapi-types.ts, `npm run contract`). It runs in browsers and in Node 20+ alike (it
 * imports nothing from Node) and turns every refusal into a PeerguardProblem.
 *
 *   const peerguard = createPeerguardClient({ baseUrl: 'http://127.0.0.1:3000', apiKey });
 *   const { data } = await peerguard.POST('/v1/checks', { body: { subject: { phone: '(860) 555-0100' } } });
 *   if (data.result === 'match') …
 *
 * Each method answers `{ data, response }` for a 2xx (data typed from the document) and throws
 * a PeerguardProblem otherwise. `raw` is the underlying openapi-fetch client, which answers
 * `{ data, error, response }` without throwing, for callers that want to look at refusals.
 */
import createClient, { type Client, type ClientPathsWithMethod, type FetchResponse, type MaybeOptionalInit } from 'openapi-fetch';
import type { paths } from './openapi-types.ts';

/** @public The generated types, for integrators who name a schema (`components['schemas']['CheckResult']`) or an operation. */
export type { paths, components, operations } from './openapi-types.ts';

export interface PeerguardClientOptions {
  /** The API's base URL, without /v1: `http://127.0.0.1:3000`, or the stack's ApiUrl. */
  readonly baseUrl: string;
  /** The API key, sent as `Authorization: Bearer <apiKey>`; leave out for the public routes. */
  readonly apiKey?: string | undefined;
  /** A fetch to use instead of the global one (a test's, a proxy's). */
  readonly fetch?: ((request: Request) => Promise<Response>) | undefined;
}

/** One field the API refused, as a 400's `errors` lists it. */
export interface ProblemField {
  readonly path: string;
  readonly message: string;
}

/** A refusal or failure of the API (RFC 9457 problem+json), as an Error. */
export class PeerguardProblem extends Error {
  override readonly name = 'PeerguardProblem';
  /** The HTTP status. */
  readonly status: number;
  /** The problem type URI, e.g. `https://peerguard.dev/problems/validation-error`. */
  readonly type: string;
  readonly title: string;
  readonly detail: string | undefined;
  /** The request, as `urn:request:<id>`: quote it to the network operator. */
  readonly instance: string | undefined;
  /** For a 400 about input: one entry per bad field. */
  readonly errors: readonly ProblemField[];
  /** Seconds to wait before trying again (429, 503), from `Retry-After`. */
  readonly retryAfter: number | undefined;

  constructor(status: number, body: unknown, retryAfter: number | undefined, statusText = '') {
    const problem = isRecord(body) ? body : {};
    const title = text(problem.title) ?? text(problem.message) ?? (statusText || `HTTP ${status}`);
    const detail = text(problem.detail);
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
    this.type = text(problem.type) ?? 'about:blank';
    this.title = title;
    this.detail = detail;
    this.instance = text(problem.instance);
    this.errors = Array.isArray(problem.errors)
      ? problem.errors.filter(isRecord).map((entry) => ({ path: String(entry.path ?? ''), message: String(entry.message ?? '') }))
      : [];
    this.retryAfter = retryAfter;
  }

  /** The problem an answer carries (its body already read, or read here). */
  static async from(response: Response, body?: unknown): Promise<PeerguardProblem> {
    let parsed = body;
    if (parsed === undefined && !response.bodyUsed) {
      const raw = await response.text().catch(() => '');
      try {
        parsed = raw ? JSON.parse(raw) : undefined;
      } catch {
        parsed = undefined;
      }
    }
    const seconds = Number(response.headers.get('retry-after') ?? Number.NaN);
    return new PeerguardProblem(response.status, parsed, Number.isFinite(seconds) ? seconds : undefined, response.statusText);
  }
}

type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';
// biome-ignore lint/complexity/noBannedTypes: `{} extends Pick<T, K>` is how a type tells an optional key from a required one
type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];
type InitParam<Init> = RequiredKeys<Init> extends never ? [(Init & { [key: string]: unknown })?] : [Init & { [key: string]: unknown }];
type Json = `${string}/${string}`;

/** A 2xx answer: the body typed from the document, and the response (for headers). */
export interface Answer<Data> {
  readonly data: Data;
  readonly response: Response;
}

/** A client method that answers a 2xx's data or throws a PeerguardProblem. */
export type CallMethod<M extends Method> = <Path extends ClientPathsWithMethod<Client<paths>, M>, Init extends MaybeOptionalInit<paths[Path], M>>(
  url: Path,
  ...init: InitParam<Init>
) => Promise<
  // biome-ignore lint/suspicious/noExplicitAny: openapi-fetch's own constraint on an operation (FetchResponse<T extends Record<string | number, any>>)
  Answer<NonNullable<FetchResponse<Extract<paths[Path][M], Record<string | number, any>>, Init, Json>['data']>>
>;

export interface PeerguardClient {
  readonly GET: CallMethod<'get'>;
  readonly POST: CallMethod<'post'>;
  readonly PUT: CallMethod<'put'>;
  readonly PATCH: CallMethod<'patch'>;
  readonly DELETE: CallMethod<'delete'>;
  /** The openapi-fetch client underneath: answers `{ data, error, response }` and never throws for a refusal. */
  readonly raw: Client<paths>;
}

export function createPeerguardClient(options: PeerguardClientOptions): PeerguardClient {
  const raw = createClient<paths>({ baseUrl: options.baseUrl.replace(/\/+$/, ''), ...(options.fetch ? { fetch: options.fetch } : {}) });
  if (options.apiKey) {
    const authorization = `Bearer ${options.apiKey}`;
    raw.use({
      onRequest: ({ request }) => {
        request.headers.set('Authorization', authorization);
        return request;
      },
    });
  }
  const call = async (pending: Promise<{ data?: unknown; error?: unknown; response: Response }>) => {
    const { data, error, response } = await pending;
    if (!response.ok) throw await PeerguardProblem.from(response, error);
    return { data, response };
  };
  const method =
    (name: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE') =>
    (url: string, ...init: unknown[]) =>
      call((raw[name] as (url: string, ...init: unknown[]) => Promise<{ data?: unknown; error?: unknown; response: Response }>)(url, ...init));
  return {
    GET: method('GET') as CallMethod<'get'>,
    POST: method('POST') as CallMethod<'post'>,
    PUT: method('PUT') as CallMethod<'put'>,
    PATCH: method('PATCH') as CallMethod<'patch'>,
    DELETE: method('DELETE') as CallMethod<'delete'>,
    raw,
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
