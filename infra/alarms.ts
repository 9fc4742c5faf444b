import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { FilterPattern, MetricFilter, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { tableDefinitions } from '#shared/adapters/dynamo/tables.ts';
import { metricNames, serviceName, type MetricName } from '#shared/metric-names.ts';
import type { PeerguardDataStack } from './data-stack.ts';
import type { FunctionName, TableId, TopicName } from './grants.ts';
import type { PeerguardFunction } from './peerguard-function.ts';
import type { StageConfig } from './stage-config.ts';

/** Namespace of the metrics Peerguard itself emits (Powertools metrics, access-log metric filters). */
export const metricsNamespace = (stage: string) => `Peerguard/${stage}`;
/** Requests refused 401/403, counted from the API access log by a metric filter. */
export const authDenialsMetricName = 'AuthDenials';

export interface AlarmsProps {
  readonly stage: string;
  readonly config: StageConfig['alarms'];
  readonly data: PeerguardDataStack;
  readonly api: HttpApi;
  readonly accessLogs: ILogGroup;
  readonly functions: Record<FunctionName, PeerguardFunction>;
  readonly sweeperDlq: IQueue;
  readonly operationsTopic: ITopic;
}

const fiveMinutes = Duration.minutes(5);

/**
 * Every alarm goes to the operations topic (alarm and recovery). Names start with
 * `Peerguard-<stage>-`; docs/runbook.md says what each means and what to do.
 */
export class PeerguardAlarms extends Construct {
  readonly alarms: Alarm[] = [];
  private readonly action: SnsAction;
  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const { stage, config, data, api, functions } = props;
    this.action = new SnsAction(props.operationsTopic);
    this.prefix = `Peerguard-${stage}`;
    const namespace = metricsNamespace(stage);
    // A metric the functions emit with Powertools Metrics (shared/metric-names.ts): its one dimension is the service.
    const applicationMetric = (metricName: MetricName) =>
      new Metric({ namespace, metricName, dimensionsMap: { service: serviceName }, statistic: 'Sum', period: fiveMinutes });

    // HTTP API: share of 5xx answers (API Gateway's own and the integrations').
    const requests = api.metricCount({ period: fiveMinutes, statistic: 'Sum' });
    const serverErrors = api.metricServerError({ period: fiveMinutes, statistic: 'Sum' });
    this.add('Api-5xxRate', {
      metric: new MathExpression({
        expression: 'IF(requests > 0, 100 * errors / requests, 0)',
        usingMetrics: { requests, errors: serverErrors },
        period: fiveMinutes,
        label: '5xx answers (% of requests)',
      }),
      threshold: config.api5xxPercent,
      description: `More than ${config.api5xxPercent}% of API requests answered 5xx in 5 minutes.`,
    });

    // Authentication failures (401/403) counted from the access log: a spike means key guessing or a revoked key still in use.
    new MetricFilter(this, 'AuthDenialsFilter', {
      logGroup: props.accessLogs,
      metricNamespace: namespace,
      metricName: authDenialsMetricName,
      filterPattern: FilterPattern.any(FilterPattern.stringValue('$.status', '=', '401'), FilterPattern.stringValue('$.status', '=', '403')),
      metricValue: '1',
      defaultValue: 0,
    });
    this.add('Api-AuthDenials', {
      metric: new Metric({ namespace, metricName: authDenialsMetricName, statistic: 'Sum', period: fiveMinutes }),
      threshold: config.authDenials,
      description: `More than ${config.authDenials} requests were refused 401/403 in 5 minutes.`,
    });

    // Lambda: errors and throttles of every function.
    for (const [name, fn] of Object.entries(functions) as [FunctionName, PeerguardFunction][]) {
      this.add(`Lambda-${name}-Errors`, {
        metric: fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
        threshold: config.lambdaErrors,
        description: `Function ${name} failed (an unhandled error or a timeout) ${config.lambdaErrors} or more times in 5 minutes.`,
        inclusive: true,
      });
      this.add(`Lambda-${name}-Throttles`, {
        metric: fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
        threshold: config.lambdaThrottles,
        description: `Function ${name} was throttled ${config.lambdaThrottles} or more times in 5 minutes (concurrency limit).`,
        inclusive: true,
      });
    }
    // The sweeper runs every 15 minutes: no invocation for an hour means the schedule is broken.
    this.add('Sweeper-NotRunning', {
      metric: functions.sweeper.metricInvocations({ period: Duration.hours(1), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.BREACHING,
      description: 'The sweeper was not invoked for an hour (it should run every 15 minutes).',
    });

    // DynamoDB: read and write throttle events of each table and each of its indexes.
    for (const def of tableDefinitions) {
      const tableName = data.tables[def.id as TableId].tableName;
      const metrics: Record<string, IMetric> = {};
      const throttles = (suffix: string, dimensions: Record<string, string>) => {
        for (const kind of ['Read', 'Write']) {
          metrics[`${kind.toLowerCase()}${suffix}`] = new Metric({
            namespace: 'AWS/DynamoDB',
            metricName: `${kind}ThrottleEvents`,
            dimensionsMap: dimensions,
            statistic: 'Sum',
            period: fiveMinutes,
          });
        }
      };
      throttles('Table', { TableName: tableName });
      def.globalSecondaryIndexes.forEach((gsi, i) => throttles(`Index${i}`, { TableName: tableName, GlobalSecondaryIndexName: gsi.indexName }));
      this.add(`DynamoDB-${def.id}-Throttles`, {
        metric: new MathExpression({
          expression: Object.keys(metrics).join(' + '),
          usingMetrics: metrics,
          period: fiveMinutes,
          label: `${def.id} throttle events`,
        }),
        threshold: config.dynamoThrottles,
        description: `Table ${def.id} (or one of its indexes) throttled ${config.dynamoThrottles} or more requests in 5 minutes.`,
        inclusive: true,
      });
    }

    // KMS: throttling the application saw, and the account's request rate approaching the quota.
    this.add('KMS-Throttles', {
      metric: applicationMetric(metricNames.kmsThrottled),
      threshold: config.kmsThrottles,
      description: `KMS answered ThrottlingException ${config.kmsThrottles} or more times in 5 minutes (callers got 503).`,
      inclusive: true,
    });
    for (const [quota, resource] of [
      ['Symmetric', 'CryptographicOperationsSymmetric'], // GenerateMac, GenerateDataKey, Decrypt (and SSE of tables, topics, logs)
      ['Ecc', 'CryptographicOperationsEcc'], // Sign, GetPublicKey
    ] as const) {
      const calls = new Metric({
        namespace: 'AWS/Usage',
        metricName: 'CallCount',
        dimensionsMap: { Service: 'KMS', Type: 'API', Resource: resource, Class: 'None' },
        statistic: 'Sum',
        period: Duration.minutes(1),
      });
      this.add(`KMS-${quota}-QuotaUsage`, {
        metric: new MathExpression({
          expression: '100 * (calls / 60) / SERVICE_QUOTA(calls)',
          usingMetrics: { calls },
          period: Duration.minutes(1),
          label: `KMS ${quota} requests (% of quota)`,
        }),
        threshold: config.kmsQuotaPercent,
        evaluationPeriods: 3,
        description: `KMS ${quota} cryptographic requests in this account and region are above ${config.kmsQuotaPercent}% of the quota for 3 minutes.`,
      });
    }

    // Notifications the functions could not publish at all (after three attempts they go to the outbox),
    // counted by the functions themselves.
    this.add('Notifications-PublishFailures', {
      metric: applicationMetric(metricNames.notificationPublishFailed),
      threshold: config.notificationFailures,
      description: `${config.notificationFailures} or more notifications could not be published to SNS in 5 minutes; they wait in the outbox for the sweep to redeliver.`,
      inclusive: true,
    });

    // Notifications: deliveries SNS gave up on, and what waits in the dead-letter queues.
    for (const [name, topic] of Object.entries(data.topics) as [TopicName, ITopic][]) {
      this.add(`SNS-${name}-DeliveryFailures`, {
        metric: topic.metricNumberOfNotificationsFailed({ period: fiveMinutes, statistic: 'Sum' }),
        threshold: config.notificationFailures,
        description: `${config.notificationFailures} or more ${name} notifications could not be delivered in 5 minutes.`,
        inclusive: true,
      });
    }
    for (const [name, queue] of [
      ['Notifications', data.notificationsDlq],
      ['Sweeper', props.sweeperDlq],
    ] as const) {
      this.add(`SQS-${name}Dlq-Depth`, {
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
        threshold: config.deadLetterMessages,
        description: `${config.deadLetterMessages} or more messages wait in the ${name.toLowerCase()} dead-letter queue.`,
        inclusive: true,
      });
    }
  }

  private add(
    id: string,
    props: {
      metric: IMetric;
      threshold: number;
      description: string;
      inclusive?: boolean;
      comparisonOperator?: ComparisonOperator;
      treatMissingData?: TreatMissingData;
      evaluationPeriods?: number;
    },
  ): void {
    const alarm = new Alarm(this, id, {
      alarmName: `${this.prefix}-${id}`,
      alarmDescription: `${props.description} See docs/runbook.md, "Alarms".`,
      metric: props.metric,
      threshold: props.threshold,
      evaluationPeriods: props.evaluationPeriods ?? 1,
      comparisonOperator:
        props.comparisonOperator ?? (props.inclusive ? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD : ComparisonOperator.GREATER_THAN_THRESHOLD),
      treatMissingData: props.treatMissingData ?? TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
  }
}
