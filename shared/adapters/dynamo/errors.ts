import { DependencyUnavailableError, RecordTooLargeError } from '../../errors.ts';
import { isNetworkFailure } from '../network-errors.ts';

/** DynamoDB answers that mean "not now": the caller should retry, so they become a 503. */
const transient = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionInProgressException',
]);

/** Reasons a transaction can be cancelled for that are not about our conditions: retry later. */
const transientReasons = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded', 'TransactionConflict']);

export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (transient.has(error.name) || isNetworkFailure(error)) return true;
  return cancellationReasons(error)?.some((reason) => transientReasons.has(reason)) ?? false;
}

/**
 * An item over DynamoDB's 400 KB: a ValidationException on a single write, and in a transaction
 * either that or a cancellation with a ValidationError reason about the item's size.
 */
export function isItemTooLarge(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const aboutSize = (message: string | undefined) => /item size/i.test(message ?? '');
  if (error.name === 'ValidationException') return aboutSize(error.message);
  if (error.name !== 'TransactionCanceledException') return false;
  const reasons = (error as { CancellationReasons?: { Code?: string; Message?: string }[] }).CancellationReasons ?? [];
  return reasons.some((reason) => reason.Code === 'ValidationError' && aboutSize(reason.Message));
}

/**
 * A transient failure as the DependencyUnavailableError (503) it means, an oversized item as the
 * RecordTooLargeError (409) it means; any other error as it is.
 */
export function translated(error: unknown): unknown {
  if (isItemTooLarge(error)) return new RecordTooLargeError();
  return isTransient(error) ? new DependencyUnavailableError('The database is busy or unreachable; retry shortly.', 2, { cause: error }) : error;
}

/** Runs one storage call, translating transient failures into DependencyUnavailableError. */
export async function storage<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translated(error);
  }
}

export function isConditionalCheckFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** Reasons of a cancelled transaction, in the order of its items. */
export function cancellationReasons(error: unknown): string[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((reason) => reason.Code ?? 'None');
}
