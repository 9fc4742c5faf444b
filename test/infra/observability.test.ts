import { describe, expect, it } from 'vitest';
import { metricNames, serviceName } from '#shared/metric-names.ts';
import { tableDefinitions } from '#shared/adapters/dynamo/tables.ts';
import { functionNames } from '#infra/grants.ts';
import { accessLogFields } from '#infra/peerguard-stack.ts';
import { asArray, refId, synth, type Json } from './support.ts';

const built = synth();
const { view, config } = built;

const alarms = new Map<string, Json>(view.ofType('app', 'AWS::CloudWatch::Alarm').map(([, a]) => [a.Properties.AlarmName, a.Properties]));
const alarm = (suffix: string) => {
  const found = alarms.get(`Peerguard-dev-${suffix}`);
  if (!found) throw new Error(`no alarm Peerguard-dev-${suffix} (have ${[...alarms.keys()].join(', ')})`);
  return found;
};
/** The metrics an alarm watches, as `namespace/metric` (directly or inside its math expression). */
const watched = (props: Json): string[] =>
  props.MetricName
    ? [`${props.Namespace}/${props.MetricName}`]
    : asArray<Json>(props.Metrics)
        .filter((m) => m.MetricStat)
        .map((m) => `${m.MetricStat.Metric.Namespace}/${m.MetricStat.Metric.MetricName}`);
const dimension = (props: Json, name: string): Json =>
  (props.Dimensions ?? props.Metrics?.find((m: Json) => m.MetricStat)?.MetricStat.Metric.Dimensions)?.find((d: Json) => d.Name === name)?.Value;

describe('alarms', () => {
  it('every alarm notifies the operations topic when it fires and when it recovers', () => {
    expect(alarms.size).toBeGreaterThan(0);
    for (const [name, props] of alarms) {
      expect(
        asArray<Json>(props.AlarmActions).map((a) => view.describe(a)),
        name,
      ).toEqual(['OperationsTopic']);
      expect(
        asArray<Json>(props.OKActions).map((a) => view.describe(a)),
        name,
      ).toEqual(['OperationsTopic']);
      expect(props.AlarmDescription, name).toMatch(/docs\/runbook\.md/);
    }
  });

  it.each(functionNames)('%s has an errors alarm and a throttles alarm', (name) => {
    for (const [kind, metric] of [
      ['Errors', 'Errors'],
      ['Throttles', 'Throttles'],
    ] as const) {
      const props = alarm(`Lambda-${name}-${kind}`);
      expect(watched(props)).toEqual([`AWS/Lambda/${metric}`]);
      expect(refId(dimension(props, 'FunctionName'))).toBe(view.fn(name).id);
      expect(props.Threshold).toBe(kind === 'Errors' ? config.alarms.lambdaErrors : config.alarms.lambdaThrottles);
      expect(props.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
    }
  });

  it('API 5xx rate, from the API metrics, in percent', () => {
    const props = alarm('Api-5xxRate');
    expect(watched(props).sort()).toEqual(['AWS/ApiGateway/5xx', 'AWS/ApiGateway/Count']);
    expect(props.Metrics.find((m: Json) => m.Expression).Expression).toBe('IF(requests > 0, 100 * errors / requests, 0)');
    expect(props.Threshold).toBe(config.alarms.api5xxPercent);
  });

  it('authorizer denials spike, counted from 401/403 answers in the access log', () => {
    const props = alarm('Api-AuthDenials');
    expect(watched(props)).toEqual(['Peerguard/dev/AuthDenials']);
    expect(props.Threshold).toBe(config.alarms.authDenials);
    const [[, filter]] = view.ofType('app', 'AWS::Logs::MetricFilter') as [[string, Json]];
    expect(refId(filter.Properties.LogGroupName)).toBe(view.ofType('app', 'AWS::Logs::LogGroup').find(([id]) => id.startsWith('ApiAccessLogs'))![0]);
    expect(filter.Properties.FilterPattern).toBe('{ ($.status = "401") || ($.status = "403") }');
    expect(filter.Properties.MetricTransformations).toEqual([
      { MetricNamespace: 'Peerguard/dev', MetricName: 'AuthDenials', MetricValue: '1', DefaultValue: 0 },
    ]);
  });

  it.each(tableDefinitions.map((d) => [d.id, d] as const))('DynamoDB throttling on %s and each of its indexes', (id, def) => {
    const props = alarm(`DynamoDB-${id}-Throttles`);
    const metrics = asArray<Json>(props.Metrics)
      .filter((m) => m.MetricStat)
      .map((m) => m.MetricStat.Metric);
    expect(metrics.map((m) => m.MetricName).sort()).toEqual(
      Array.from({ length: 1 + def.globalSecondaryIndexes.length }, () => ['ReadThrottleEvents', 'WriteThrottleEvents'])
        .flat()
        .sort(),
    );
    for (const m of metrics) expect(view.describe(m.Dimensions.find((d: Json) => d.Name === 'TableName').Value)).toBe(id);
    const indexes = metrics.flatMap((m) => m.Dimensions.filter((d: Json) => d.Name === 'GlobalSecondaryIndexName').map((d: Json) => d.Value));
    expect([...new Set(indexes)].sort()).toEqual(def.globalSecondaryIndexes.map((g) => g.indexName).sort());
    expect(props.Threshold).toBe(config.alarms.dynamoThrottles);
  });

  it('KMS throttling seen by the application, and KMS request rates near the quota', () => {
    expect(watched(alarm('KMS-Throttles'))).toEqual([`Peerguard/dev/${metricNames.kmsThrottled}`]);
    expect(dimension(alarm('KMS-Throttles'), 'service')).toBe(serviceName);
    for (const [quota, resource] of [
      ['Symmetric', 'CryptographicOperationsSymmetric'],
      ['Ecc', 'CryptographicOperationsEcc'],
    ]) {
      const props = alarm(`KMS-${quota}-QuotaUsage`);
      expect(watched(props)).toEqual(['AWS/Usage/CallCount']);
      expect(dimension(props, 'Resource')).toBe(resource);
      expect(dimension(props, 'Service')).toBe('KMS');
      expect(props.Metrics.find((m: Json) => m.Expression).Expression).toContain('SERVICE_QUOTA(calls)');
      expect(props.Threshold).toBe(config.alarms.kmsQuotaPercent);
    }
  });

  it('notifications the functions could not publish: the metric the code counts, not a log message', () => {
    const props = alarm('Notifications-PublishFailures');
    expect(watched(props)).toEqual([`Peerguard/dev/${metricNames.notificationPublishFailed}`]);
    expect(dimension(props, 'service')).toBe(serviceName);
    expect(props.Threshold).toBe(config.alarms.notificationFailures);
    // The only metric filter left reads the access log's status codes; no alarm depends on a log message's wording.
    const filters = view.ofType('app', 'AWS::Logs::MetricFilter').map(([, f]) => f.Properties);
    expect(filters.map((p: Json) => p.MetricTransformations[0].MetricName)).toEqual(['AuthDenials']);
    expect(filters.every((p: Json) => !String(p.FilterPattern).includes('$.message'))).toBe(true);
  });

  it('watches each metric the code emits, under the name the code uses (shared/metric-names.ts)', () => {
    const watchedNames = Object.values<Json>(view.appResources)
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
      .flatMap((r) =>
        r.Properties.MetricName ? [r.Properties] : asArray<Json>(r.Properties.Metrics).flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : [])),
      )
      .filter((m) => m.Namespace === 'Peerguard/dev')
      .map((m) => m.MetricName);
    for (const name of Object.values(metricNames)) expect(watchedNames, name).toContain(name);
  });

  it('notification delivery failures per topic and dead-letter queue depth', () => {
    for (const topic of ['reviewers', 'practices', 'security']) {
      const props = alarm(`SNS-${topic}-DeliveryFailures`);
      expect(watched(props)).toEqual(['AWS/SNS/NumberOfNotificationsFailed']);
      expect(view.describe(dimension(props, 'TopicName'))).toBe(`${topic[0]!.toUpperCase()}${topic.slice(1)}Topic`);
    }
    for (const [name, queue] of [
      ['Notifications', 'NotificationsDlq'],
      ['Sweeper', 'SweeperDlq'],
    ]) {
      const props = alarm(`SQS-${name}Dlq-Depth`);
      expect(watched(props)).toEqual(['AWS/SQS/ApproximateNumberOfMessagesVisible']);
      expect(props.Threshold).toBe(config.alarms.deadLetterMessages);
      expect(view.describe(dimension(props, 'QueueName'))).toBe(queue);
    }
    expect(alarm('Sweeper-NotRunning').TreatMissingData).toBe('breaching');
  });

  it('thresholds come from the stage settings', () => {
    const prod = synth({ stage: 'prod' }, { nag: false });
    const prodAlarm = prod.view.ofType('app', 'AWS::CloudWatch::Alarm').find(([, a]) => a.Properties.AlarmName === 'Peerguard-prod-Api-AuthDenials')!;
    expect(prodAlarm[1].Properties.Threshold).toBe(prod.config.alarms.authDenials);
    expect(prod.config.alarms.authDenials).not.toBe(config.alarms.authDenials);
  });
});

describe('logs', () => {
  it('every log group is encrypted with the logs key and has the stage retention', () => {
    const groups = view.ofType('app', 'AWS::Logs::LogGroup');
    expect(groups).toHaveLength(functionNames.length + 1);
    for (const [id, group] of groups) {
      expect(view.describe(group.Properties.KmsKeyId), id).toBe('LogsKey');
      expect(group.Properties.RetentionInDays, id).toBe(id.startsWith('ApiAccessLogs') ? config.accessLogRetentionDays : config.logRetentionDays);
    }
  });

  it('the API access log is JSON of allow-listed context variables: no body, query string, path, headers or identifiers', () => {
    const [[, stage]] = view.ofType('app', 'AWS::ApiGatewayV2::Stage') as [[string, Json]];
    const format = stage.Properties.AccessLogSettings.Format as string;
    expect(JSON.parse(format)).toEqual(accessLogFields);
    expect(view.describe(stage.Properties.AccessLogSettings.DestinationArn)).toMatch(/^ApiAccessLogs/);
    const variables = [...format.matchAll(/\$[a-zA-Z.]+/g)].map((m) => m[0]).sort();
    expect(variables).toEqual(
      [
        '$context.authorizer.error',
        '$context.authorizer.latency',
        '$context.authorizer.status',
        '$context.error.message',
        '$context.httpMethod',
        '$context.integrationLatency',
        '$context.integrationStatus',
        '$context.protocol',
        '$context.requestId',
        '$context.requestTimeEpoch',
        '$context.responseLatency',
        '$context.routeKey',
        '$context.status',
      ].sort(),
    );
    // Nor the response's length: a screening answer's size would tell a match from a miss.
    for (const forbidden of [
      '$request',
      '$context.path',
      '$context.identity',
      'querystring',
      'body',
      '$context.authorizer.principalId',
      'integrationErrorMessage',
      'responseLength',
    ]) {
      expect(format).not.toContain(forbidden);
    }
  });
});
