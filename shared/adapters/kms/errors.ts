import { DependencyUnavailableError } from '../../errors.ts';
import { metricNames } from '../../metric-names.ts';
import type { Metrics } from '../../ports.ts';
import { isNetworkFailure } from '../network-errors.ts';

/**
 * KMS failures the caller can do nothing about but wait: throttling, a disabled or pending
 * key, KMS itself failing or out of reach. They become a 503 with Retry-After; the details go to the log,
 * not to the caller. Anything else (a misconfiguration) stays a 500.
 */
const unavailable: Record<string, number> = {
  ThrottlingException: 1,
  LimitExceededException: 1,
  DependencyTimeoutException: 2,
  KMSInternalException: 2,
  KeyUnavailableException: 5,
  DisabledException: 30,
  KMSInvalidStateException: 30,
};
/** Retry-After when KMS could not be reached or did not answer in time. */
const unreachableRetryAfter = 2;

export async function kmsCall<T>(what: string, call: () => Promise<T>, metrics: Metrics): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    const retryAfter = unavailable[name] ?? (isNetworkFailure(error) ? unreachableRetryAfter : undefined);
    // The operations alarm KMS-Throttles counts these.
    if (name === 'ThrottlingException') metrics.count(metricNames.kmsThrottled);
    if (retryAfter !== undefined) {
      throw new DependencyUnavailableError(`The network's key service could not ${what} just now; retry shortly.`, retryAfter, { cause: error });
    }
    throw error;
  }
}
