import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildLoggedMetrics } from '#shared/adapters/local/logged-metrics.ts';
import { buildEmfMetrics } from '#shared/adapters/metrics.ts';
import { metricNames, serviceName } from '#shared/metric-names.ts';
import { recordingLogger } from '../fakes/deps.ts';

afterEach(() => vi.unstubAllEnvs());

/** What the code under test writes to stdout while `run` runs. */
function stdoutOf(run: () => void): string[] {
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => lines.push(String(chunk)) > 0);
  try {
    run();
  } finally {
    write.mockRestore();
  }
  return lines;
}

describe('metrics in Lambda (Powertools Metrics, Embedded Metric Format)', () => {
  it('writes each count at once as one EMF line: the namespace, the service dimension, a Count of 1', () => {
    const metrics = buildEmfMetrics({ namespace: 'Peerguard/test' });
    const lines = stdoutOf(() => {
      metrics.count(metricNames.notificationPublishFailed);
      metrics.count(metricNames.notificationPublishFailed);
    });
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const point = JSON.parse(line);
      expect(point._aws.CloudWatchMetrics).toEqual([
        { Namespace: 'Peerguard/test', Dimensions: [['service']], Metrics: [{ Name: 'NotificationPublishFailures', Unit: 'Count' }] },
      ]);
      expect(point).toMatchObject({ service: serviceName, NotificationPublishFailures: 1 });
      expect(typeof point._aws.Timestamp).toBe('number');
    }
  });

  it('takes the namespace from POWERTOOLS_METRICS_NAMESPACE, which the stack sets on every function', () => {
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'Peerguard/dev');
    const [line] = stdoutOf(() => buildEmfMetrics().count(metricNames.kmsThrottled));
    expect(JSON.parse(line!)._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'Peerguard/dev', Metrics: [{ Name: 'KmsThrottled' }] });
  });
});

describe('metrics on a laptop', () => {
  it('are a readable line in the server log instead of EMF JSON on stdout', () => {
    const logger = recordingLogger();
    const lines = stdoutOf(() => buildLoggedMetrics(logger).count(metricNames.kmsThrottled));
    expect(lines).toEqual([]);
    expect(logger.lines).toEqual([{ level: 'info', message: 'metric KmsThrottled +1', extra: [{ metric: 'KmsThrottled' }] }]);
  });
});
