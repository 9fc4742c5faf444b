import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DomainError } from '#shared/errors.ts';
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

/**
 * The one error-to-HTTP mapping of the API: a named domain error becomes its problem
 * document (RFC 9457); anything else is a 500 whose body says only that it is our fault and
 * which request it was. Details of unexpected errors go to the log, never to the caller.
 */
export function problemResponse(error: unknown, requestId: string, logger: Logger): APIGatewayProxyStructuredResultV2 {
  if (error instanceof DomainError) {
    if (error.status >= 500) {
      logger.warn('dependency unavailable', { requestId, errorName: error.name, cause: causeName(error) });
    }
    return problem(error.status, error.slug, error.title, error.message, requestId, error.errors, error.headers);
  }
  logger.error('unexpected error', {
    requestId,
    errorName: error instanceof Error ? error.name : typeof error,
    errorMessage: error instanceof Error ? error.message : undefined,
    stack: error instanceof Error ? error.stack : undefined,
  });
  return problem(500, 'internal-error', 'Something went wrong on our side', `The request failed and changed nothing we know of. Quote request id ${requestId} to the network operator.`, requestId);
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
