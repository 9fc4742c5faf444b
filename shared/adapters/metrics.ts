/**
 * One CloudWatch metric data point in the Embedded Metric Format: a JSON line on stdout, which
 * Lambda ships to CloudWatch Logs and CloudWatch turns into a metric. Only where the stack sets
 * POWERTOOLS_METRICS_NAMESPACE (in AWS); a laptop has no CloudWatch to feed.
 */
export function countMetric(name: string, env: NodeJS.ProcessEnv = process.env, write: (line: string) => void = (line) => process.stdout.write(line)): void {
  const namespace = env.POWERTOOLS_METRICS_NAMESPACE;
  if (!namespace) return;
  const service = env.POWERTOOLS_SERVICE_NAME ?? 'peerguard';
  const point = {
    _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [['service']], Metrics: [{ Name: name, Unit: 'Count' }] }] },
    service,
    [name]: 1,
  };
  write(`${JSON.stringify(point)}\n`);
}
