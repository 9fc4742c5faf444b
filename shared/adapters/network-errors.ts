/**
 * Failures to reach an AWS service at all: the connection was refused, reset or timed out (the
 * SDK's bounded connection and request timeouts raise TimeoutError). Like throttling, they mean
 * "not now", so they become a 503 with Retry-After. A host name that does not resolve is a
 * misconfiguration, not an outage, and stays a 500.
 */
const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

export function isNetworkFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return error.name === 'TimeoutError' || (typeof code === 'string' && networkCodes.has(code));
}
