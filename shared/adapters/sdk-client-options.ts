/**
 * What every AWS SDK client the requests use (DynamoDB, KMS, SNS) is built with: three attempts,
 * each bounded. Without the timeouts a service that stops answering (a dropped connection, a
 * black-holed route) keeps a request waiting until the Lambda itself times out; with them it is
 * a TimeoutError after at most 3 × (1 s to connect + 2 s to answer) plus backoff, which the
 * adapters turn into a prompt 503 with Retry-After. DynamoDB, KMS and SNS answer in milliseconds,
 * so 2 s only ever cuts off a request that was not going to be answered.
 */
export const boundedSdkClientOptions = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true },
} as const;
