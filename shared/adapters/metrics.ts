import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { serviceName } from '../metric-names.ts';
import type { Metrics } from '../ports.ts';

/**
 * Metrics in Lambda: Powertools Metrics writes each count at once as one Embedded Metric Format
 * line on stdout, which CloudWatch turns into a metric point (namespace from
 * POWERTOOLS_METRICS_NAMESPACE, set by the stack; dimension `service`). Nothing is buffered, so
 * no handler has to flush, and a count survives an invocation that fails afterwards.
 */
export function buildEmfMetrics(options: { namespace?: string } = {}): Metrics {
  const metrics = new PowertoolsMetrics({ serviceName, ...(options.namespace ? { namespace: options.namespace } : {}) });
  return {
    count(name) {
      metrics.singleMetric().addMetric(name, MetricUnit.Count, 1);
    },
  };
}

/** For adapters built without metrics (their tests): counts nothing. */
export const uncounted: Metrics = { count: () => undefined };
