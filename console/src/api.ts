/**
 * The console's one way to the API: same origin, `/v1/...`, JSON in and out, the key as a
 * Bearer header. Problem documents (RFC 9457) become an ApiError that screens show next to the
 * field each error names. The typed client (client/peerguard-client.ts) replaces this module.
 */
import { createPeerguardClient, PeerguardProblem, type PeerguardClient } from '../../client/peerguard-client.ts';
import { unreachable } from './connection.ts';
import { currentKey } from './session.ts';

export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export class ApiError extends Error {
  constructor(
    /** 0 when the server could not be reached at all. */
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: readonly FieldError[] = [],
    /** Seconds to wait, from Retry-After on a 429. */
    readonly retryAfter?: number,
  ) {
    super(title);
    this.name = 'ApiError';
  }
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly query?: Record<string, string | number | undefined>;
  /** A key other than the signed-in one (sign-in checks a key before keeping it). */
  readonly key?: string;
  readonly signal?: AbortSignal;
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** Sends one request and returns the raw answer, or throws ApiError for anything but 2xx. */
export async function raw(method: string, path: string, options: RequestOptions = {}): Promise<RawAnswer> {
  const key = options.key ?? currentKey();
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json, application/x-ndjson, text/csv' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined && value !== '') query.set(name, String(value));
  const url = query.size ? `${path}?${query}` : path;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    unreachable.value = true;
    throw new ApiError(0, 'offline', '');
  }
  unreachable.value = false;
  const text = await response.text().catch(() => '');
  if (response.ok) return { status: response.status, headers: response.headers, text };
  throw problemFrom(response, text);
}

/** Sends one request and parses the JSON answer (undefined for 204). */
export async function call<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const answer = await raw(method, path, options);
  return (answer.text ? JSON.parse(answer.text) : undefined) as T;
}

function problemFrom(response: Response, text: string): ApiError {
  let body: { title?: unknown; detail?: unknown; errors?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = {};
  }
  const errors = Array.isArray(body.errors)
    ? body.errors.filter((e): e is FieldError => typeof e === 'object' && e !== null && typeof e.path === 'string' && typeof e.message === 'string')
    : [];
  const retry = Number(response.headers.get('retry-after'));
  return new ApiError(
    response.status,
    typeof body.title === 'string' ? body.title : response.statusText || `HTTP ${response.status}`,
    typeof body.detail === 'string' ? body.detail : '',
    errors,
    Number.isFinite(retry) && retry > 0 ? retry : undefined,
  );
}

/**
 * A call through the typed client (client/peerguard-client.ts, generated from the API's OpenAPI
 * document): bodies and answers are checked against the contract at build time. Refusals become
 * the same ApiError as `call`'s, so screens handle both alike. `key` replaces the signed-in key
 * (sign-in checks a key before keeping it).
 */
export async function typed<T>(run: (client: PeerguardClient) => Promise<{ data: T }>, key = currentKey()): Promise<T> {
  const client = createPeerguardClient({ baseUrl: location.origin, apiKey: key });
  try {
    const { data } = await run(client);
    unreachable.value = false;
    return data;
  } catch (error) {
    if (error instanceof PeerguardProblem) {
      unreachable.value = false;
      throw new ApiError(error.status, error.title, error.detail ?? '', error.errors, error.retryAfter);
    }
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    unreachable.value = true;
    throw new ApiError(0, 'offline', '');
  }
}
