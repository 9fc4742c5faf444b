/**
 * Named domain errors. One middleware (functions/http/problem.ts) maps each to a
 * problem+json answer; nothing else in the code decides HTTP statuses for failures.
 * Messages are written for the person calling the API and never carry a raw identifier.
 */
/** An error's name for a log line (never its message, which may quote input). */
export const errorName = (error: unknown): string => (error instanceof Error ? error.name : 'unknown');

export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export abstract class DomainError extends Error {
  abstract readonly status: number;
  abstract readonly slug: string;
  abstract readonly title: string;
  readonly errors: readonly FieldError[] | undefined;
  readonly headers: Record<string, string> = {};

  constructor(detail: string, errors?: readonly FieldError[]) {
    super(detail);
    this.errors = errors;
  }
}

export class ValidationError extends DomainError {
  override readonly name = 'ValidationError';
  readonly status = 400;
  readonly slug = 'validation-error';
  readonly title = 'Your request has invalid fields';

  constructor(errors: readonly FieldError[], detail = 'Correct the fields listed in errors and send the request again.') {
    super(detail, errors);
  }

  static field(path: string, message: string): ValidationError {
    return new ValidationError([{ path, message }]);
  }
}

export class MalformedRequestError extends DomainError {
  override readonly name = 'MalformedRequestError';
  readonly status = 400;
  readonly slug = 'malformed-request';
  readonly title = 'The request body could not be read';
}

export class UnsupportedMediaTypeError extends DomainError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly status = 415;
  readonly slug = 'unsupported-media-type';
  readonly title = 'Send the body as application/json';
}

export class PayloadTooLargeError extends DomainError {
  override readonly name = 'PayloadTooLargeError';
  readonly status = 413;
  readonly slug = 'payload-too-large';
  readonly title = 'The request body is too large';
}

export class UnauthorizedError extends DomainError {
  override readonly name = 'UnauthorizedError';
  readonly status = 401;
  readonly slug = 'unauthorized';
  readonly title = 'A valid API key is required';
  constructor(detail = 'Send a valid, unrevoked API key as "Authorization: Bearer <api key>".') {
    super(detail);
    this.headers['WWW-Authenticate'] = 'Bearer realm="peerguard"';
  }
}

export class ForbiddenError extends DomainError {
  override readonly name = 'ForbiddenError';
  readonly status = 403;
  readonly slug = 'forbidden';
  readonly title = 'Your API key may not do this';
}

export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
  readonly status = 404;
  readonly slug = 'not-found';
  readonly title = 'Not found';
}

export class ConflictError extends DomainError {
  override readonly name = 'ConflictError';
  readonly status = 409;
  readonly slug = 'conflict';
  readonly title = 'The request conflicts with the current state';
}

/** Over a quota: the client should wait `Retry-After` seconds. */
export class TooManyRequestsError extends DomainError {
  override readonly name = 'TooManyRequestsError';
  readonly status = 429;
  readonly slug = 'too-many-requests';
  readonly title = 'Too many requests';

  constructor(detail: string, retryAfterSeconds: number) {
    super(detail);
    this.headers['Retry-After'] = String(retryAfterSeconds);
  }
}

/** A dependency (KMS, DynamoDB, SNS) is throttling or unavailable; the client should retry later. */
export class DependencyUnavailableError extends DomainError {
  override readonly name = 'DependencyUnavailableError';
  readonly status = 503;
  readonly slug = 'temporarily-unavailable';
  readonly title = 'The service is temporarily unavailable';

  constructor(detail: string, retryAfterSeconds = 2, options?: { cause?: unknown }) {
    super(detail);
    this.headers['Retry-After'] = String(retryAfterSeconds);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
