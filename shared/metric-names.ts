/**
 * The CloudWatch metrics the application emits (Powertools Metrics, Embedded Metric Format),
 * named once here for the code that counts them and for the alarms that watch them
 * (infra/alarms.ts). Each is a count with the single dimension `service`.
 */
export const metricNames = {
  /** KMS answered ThrottlingException (the caller got a 503). */
  kmsThrottled: 'KmsThrottled',
  /** A notification could not be handed to SNS after its retries: it waits in the outbox for the sweep. */
  notificationPublishFailed: 'NotificationPublishFailures',
} as const;

export type MetricName = (typeof metricNames)[keyof typeof metricNames];

/** The service name Powertools gives every log line and metric (dimension `service`). */
export const serviceName = 'peerguard';
