import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DomainError, type ErrorKind } from '#shared/errors.ts';
import type { Logger } from '#shared/ports.ts';
import { RawBody } from './types.ts';

export const problemTypeBase = 'https://peerguard.dev/problems/';

const securityHeaders = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  if (body === undefined) return { statusCode: status, headers: { ...securityHeaders, ...headers } };
  if (body instanceof RawBody) return { statusCode: status, headers: { 'Content-Type': body.contentType, ...securityHeaders, ...headers }, body: body.text };
  return {
    statusCode: status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...securityHeaders, ...headers },
    body: JSON.stringify(body),
  };
}

/** Each kind of domain error as an HTTP answer: the only place failures get a status. */
export const problemKinds: Readonly<Record<ErrorKind, { readonly status: number; readonly slug: string; readonly title: string }>> = {
  invalid_input: { status: 400, slug: 'validation-error', title: 'Your request has invalid fields' },
  malformed_request: { status: 400, slug: 'malformed-request', title: 'The request body could not be read' },
  unsupported_media_type: { status: 415, slug: 'unsupported-media-type', title: 'Send the body as application/json' },
  payload_too_large: { status: 413, slug: 'payload-too-large', title: 'The request body is too large' },
  unauthenticated: { status: 401, slug: 'unauthorized', title: 'A valid API key is required' },
  bad_signature: { status: 401, slug: 'invalid-signature', title: "The delivery is not signed with this webhook's secret" },
  forbidden: { status: 403, slug: 'forbidden', title: 'Your API key may not do this' },
  not_found: { status: 404, slug: 'not-found', title: 'Not found' },
  conflict: { status: 409, slug: 'conflict', title: 'The request conflicts with the current state' },
  record_too_large: { status: 409, slug: 'record-too-large', title: 'The record would grow past what can be stored' },
  rate_limited: { status: 429, slug: 'too-many-requests', title: 'Too many requests' },
  dependency_unavailable: { status: 503, slug: 'temporarily-unavailable', title: 'The service is temporarily unavailable' },
};

/**
 * The one error-to-HTTP mapping of the API: a named domain error becomes its problem
 * document (RFC 9457); anything else is a 500 whose body says only that it is our fault and
 * which request it was. Details of unexpected errors go to the log, never to the caller.
 */
export function problemResponse(error: unknown, requestId: string, logger: Logger): APIGatewayProxyStructuredResultV2 {
  if (error instanceof DomainError) {
    const { status, slug, title } = problemKinds[error.kind];
    if (error.kind === 'dependency_unavailable') {
      logger.warn('dependency unavailable', { requestId, errorName: error.name, cause: causeName(error) });
    }
    const headers: Record<string, string> = {};
    if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
    if (error.kind === 'unauthenticated') headers['WWW-Authenticate'] = 'Bearer realm="peerguard"';
    return problem(status, slug, title, error.message, requestId, error.errors, headers);
  }
  logger.error('unexpected error', {
    requestId,
    errorName: error instanceof Error ? error.name : typeof error,
    errorMessage: error instanceof Error ? error.message : undefined,
    stack: error instanceof Error ? error.stack : undefined,
  });
  return problem(
    500,
    'internal-error',
    'Something went wrong on our side',
    `The request failed and changed nothing we know of. Quote request id ${requestId} to the network operator.`,
    requestId,
  );
}

export function problem(
  status: number,
  slug: string,
  title: string,
  detail: string,
  requestId: string,
  errors?: readonly { path: string; message: string }[],
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: { 'Content-Type': 'application/problem+json; charset=utf-8', ...securityHeaders, ...headers },
    body: JSON.stringify({ type: `${problemTypeBase}${slug}`, title, status, detail, instance: `urn:request:${requestId}`, ...(errors ? { errors } : {}) }),
  };
}

function causeName(error: Error): string | undefined {
  return error.cause instanceof Error ? error.cause.name : undefined;
}
