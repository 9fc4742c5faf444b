/**
 * Named domain errors. Each carries a `kind` (what went wrong, in the domain's words), never an
 * HTTP status: one table at the edge (functions/http/problem.ts) maps each kind to its
 * problem+json answer. Messages are written for the person calling the API and never carry a
 * raw identifier.
 */
/** An error's name for a log line (never its message, which may quote input). */
export const errorName = (error: unknown): string => (error instanceof Error ? error.name : 'unknown');

export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export const errorKinds = [
  'invalid_input',
  'malformed_request',
  'unsupported_media_type',
  'payload_too_large',
  'unauthenticated',
  'bad_signature',
  'forbidden',
  'not_found',
  'conflict',
  'record_too_large',
  'rate_limited',
  'dependency_unavailable',
] as const;
export type ErrorKind = (typeof errorKinds)[number];

export abstract class DomainError extends Error {
  abstract readonly kind: ErrorKind;
  readonly errors: readonly FieldError[] | undefined;
  /** Seconds the caller should wait before trying again (rate limits, unavailable dependencies). */
  retryAfterSeconds: number | undefined;

  constructor(detail: string, errors?: readonly FieldError[]) {
    super(detail);
    this.errors = errors;
  }
}

export class ValidationError extends DomainError {
  override readonly name = 'ValidationError';
  readonly kind = 'invalid_input' as const;

  constructor(errors: readonly FieldError[], detail = 'Correct the fields listed in errors and send the request again.') {
    super(detail, errors);
  }

  static field(path: string, message: string): ValidationError {
    return new ValidationError([{ path, message }]);
  }
}

export class MalformedRequestError extends DomainError {
  override readonly name = 'MalformedRequestError';
  readonly kind = 'malformed_request' as const;
}

export class UnsupportedMediaTypeError extends DomainError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly kind = 'unsupported_media_type' as const;
}

export class PayloadTooLargeError extends DomainError {
  override readonly name = 'PayloadTooLargeError';
  readonly kind = 'payload_too_large' as const;
}

export class UnauthorizedError extends DomainError {
  override readonly name = 'UnauthorizedError';
  readonly kind = 'unauthenticated' as const;
  constructor(detail = 'Send a valid, unrevoked API key as "Authorization: Bearer <api key>".') {
    super(detail);
  }
}

/** A webhook delivery whose signature is missing or is not the one its secret makes. */
export class SignatureError extends DomainError {
  override readonly name = 'SignatureError';
  readonly kind = 'bad_signature' as const;
}

export class ForbiddenError extends DomainError {
  override readonly name = 'ForbiddenError';
  readonly kind = 'forbidden' as const;
}

export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
  readonly kind = 'not_found' as const;
}

export class ConflictError extends DomainError {
  override readonly name = 'ConflictError';
  readonly kind = 'conflict' as const;
}

/**
 * The write would make a stored record larger than storage allows (DynamoDB's 400 KB per item).
 * The domain bounds what grows (shared/alerts/bounds.ts), so this is a safety net: the caller
 * hears a 409 it can act on, never a 500, and nothing was written.
 */
export class RecordTooLargeError extends DomainError {
  override readonly name = 'RecordTooLargeError';
  readonly kind = 'record_too_large' as const;
  constructor(
    detail = 'This change would make the record larger than the network can store, so nothing was changed. Send a shorter reason, or ask the network operator to retract the alert.',
  ) {
    super(detail);
  }
}

/** Over a quota: the client should wait `Retry-After` seconds. */
export class TooManyRequestsError extends DomainError {
  override readonly name = 'TooManyRequestsError';
  readonly kind = 'rate_limited' as const;

  constructor(detail: string, retryAfterSeconds: number) {
    super(detail);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A dependency (KMS, DynamoDB, SNS) is throttling or unavailable; the client should retry later. */
export class DependencyUnavailableError extends DomainError {
  override readonly name = 'DependencyUnavailableError';
  readonly kind = 'dependency_unavailable' as const;

  constructor(detail: string, retryAfterSeconds = 2, options?: { cause?: unknown }) {
    super(detail);
    this.retryAfterSeconds = retryAfterSeconds;
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
