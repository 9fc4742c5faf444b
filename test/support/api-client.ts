import { assertDocumented } from './openapi-check.ts';

/**
 * A tiny HTTP client for end-to-end tests that need raw control (any method, any body, any
 * header): JSON in, status + headers + parsed body out. Every answer is checked against
 * docs/openapi.json (./openapi-check.ts), so an undocumented status or body fails the test.
 * Tests that speak the API as an integrator would use the typed client (client/peerguard-client.ts).
 */
export interface ApiAnswer<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export function apiClient(baseUrl: string) {
  return async function call<T = any>(
    method: string,
    path: string,
    options: { key?: string; body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string> } = {},
  ): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    let body: string | Buffer | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    assertDocumented({ method, target: path, status: response.status, contentType: response.headers.get('content-type'), body: text });
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  };
}

export type Call = ReturnType<typeof apiClient>;
