import { App, CfnOutput, Duration, RemovalPolicy, Stack, Tags, type AppProps, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpNoneAuthorizer, LogGroupLogDestination, PayloadFormatVersion } from 'aws-cdk-lib/aws-apigatewayv2';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { type CfnSubscription, Subscription, SubscriptionFilter, SubscriptionProtocol } from 'aws-cdk-lib/aws-sns';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { EventSourceMapping, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { AwsConfig } from '#shared/config.ts';
import { tableDefinitions } from '#shared/adapters/dynamo/tables.ts';
import { routeKey, routes, type RouteDefinition, type RouteKey } from '#shared/routes.ts';
import { PeerguardAlarms, metricsNamespace } from './alarms.ts';
import { PeerguardDataStack } from './data-stack.ts';
import { functionGrants, functionNames, names, type FunctionName, type TableId } from './grants.ts';
import { acknowledge, addNagPacks } from './nag.ts';
import { PeerguardFunction } from './peerguard-function.ts';
import { PeerguardEdgeStack, edgeRegion } from './edge-stack.ts';
import { parseStageConfig, reservedConcurrencyOf, stageContextKey, stagesContextKey, type StageConfig } from './stage-config.ts';
import { defaultWebAssets, PeerguardWebStack, webAssetFolders, webAssetsContextKey } from './web-stack.ts';

/**
 * The HTTP API's access log: one JSON line per request with what an operator needs (status,
 * latency, route template, errors API Gateway itself produced) and nothing a caller sent: no
 * body, no query string, no raw path (it holds ids), no headers, no source IP or user agent,
 * and none of the authorizer's context (key id, practice id). Nor the response's length: a
 * screening answer's size must not be readable from the log.
 */
export const accessLogFields: Readonly<Record<string, string>> = {
  requestId: '$context.requestId',
  requestTimeEpoch: '$context.requestTimeEpoch',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  authorizerStatus: '$context.authorizer.status',
  authorizerLatency: '$context.authorizer.latency',
  authorizerError: '$context.authorizer.error',
  errorMessage: '$context.error.message',
};

export interface PeerguardStackProps extends StackProps {
  /** Deployment stage, e.g. `dev`; part of the stack names, the key aliases and the role names. */
  readonly stage: string;
  readonly config: StageConfig;
  readonly data: PeerguardDataStack;
}

/**
 * The stateless part: functions and their roles, log groups, the HTTP API, the sweeper's
 * schedule and the alarms. Everything here can be destroyed and redeployed; state lives in
 * the data stack.
 */
export class PeerguardStack extends Stack {
  readonly functions: Record<FunctionName, PeerguardFunction>;
  readonly roles: Record<FunctionName, Role>;
  readonly logGroups: Record<FunctionName, LogGroup>;
  readonly api: HttpApi;
  readonly accessLogs: LogGroup;
  readonly sweeperDlq: Queue;
  /** Batches of the audit table's stream the archiver still failed after its retries (their stream positions). */
  readonly archiverDlq: Queue;
  readonly alarms: PeerguardAlarms;

  constructor(scope: Construct, id: string, props: PeerguardStackProps) {
    super(scope, id, props);
    const { stage, config, data } = props;

    const environment = {
      PEERGUARD_RUNTIME: 'aws',
      API_KEYS_TABLE: data.tables.ApiKeys.tableName,
      MAIN_TABLE: data.tables.Main.tableName,
      TOKEN_TABLE: data.tables.TokenIndex.tableName,
      AUDIT_TABLE: data.tables.Audit.tableName,
      ...hmacEnvironment(data),
      SIGNING_KEY_ID: data.keys.signing.keyArn,
      ALERT_SIGNING_KEY_ID: data.keys.alertSigning.keyArn,
      DATA_KEY_ID: data.keys.data.keyArn,
      REVIEWERS_TOPIC_ARN: data.topics.reviewers.topicArn,
      PRACTICES_TOPIC_ARN: data.topics.practices.topicArn,
      SECURITY_TOPIC_ARN: data.topics.security.topicArn,
      CHECKS_PER_MINUTE: String(config.quotas.checksPerMinute),
      CHECKS_PER_DAY: String(config.quotas.checksPerDay),
      GUESSES_PER_DAY: String(config.quotas.guessesPerDay),
      SLOWED_CHECKS_PER_MINUTE: String(config.quotas.slowedChecksPerMinute),
      SLOWED_CHECKS_PER_DAY: String(config.quotas.slowedChecksPerDay),
      PHONE_DEFAULT_REGION: config.phoneDefaultRegion,
      ALERT_TTL_DAYS: String(config.alertTtlDays),
      STATS_MIN_CONTRIBUTORS: String(config.statsMinContributors),
      LOG_LEVEL: config.logLevel,
    } satisfies Partial<Record<keyof AwsConfig, string>>;
    const powertools = {
      POWERTOOLS_SERVICE_NAME: 'peerguard',
      POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(stage),
      // Never put a response or an error (which may quote input) into a trace, nor the event into a log.
      POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
      POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
      POWERTOOLS_LOGGER_LOG_EVENT: 'false',
    };

    // Failed asynchronous invocations of the sweeper (after Lambda's own retries) and events
    // EventBridge could not deliver. They hold only the schedule event, so SQS-managed SSE.
    this.sweeperDlq = new Queue(this, 'SweeperDlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.sweeperDlq,
      'Serverless-SQSRedrivePolicy',
      'A dead-letter queue has no dead-letter queue of its own: the failed schedule events stay 14 days and its depth is alarmed.',
    );

    this.archiverDlq = new Queue(this, 'ArchiverDlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.archiverDlq,
      'AwsSolutions-SQS3',
      "This queue is itself the on-failure destination of the archiver's stream mapping (which cdk-nag does not follow); its depth is alarmed.",
    );
    acknowledge(
      this.archiverDlq,
      'Serverless-SQSRedrivePolicy',
      "A dead-letter queue has no dead-letter queue of its own: it holds the stream positions of the archiver's failed batches for 14 days, and its depth is alarmed.",
    );

    this.roles = {} as Record<FunctionName, Role>;
    this.logGroups = {} as Record<FunctionName, LogGroup>;
    this.functions = {} as Record<FunctionName, PeerguardFunction>;
    for (const name of functionNames) {
      const sweeper = name === 'sweeper';
      this.functions[name] = this.createFunction(
        name,
        config,
        data,
        {
          ...environment,
          ...powertools,
          ...(sweeper ? { SEAL_BUCKET: data.sealBucket.bucketName } : {}),
          ...(name === 'archiver' ? { AUDIT_COPY_BUCKET: data.auditCopyBucket.bucketName } : {}),
        },
        sweeper
          ? { timeout: Duration.minutes(5), deadLetterQueue: this.sweeperDlq }
          : name === 'rescreener'
            ? // Invoked asynchronously by SNS: what still fails after Lambda's retries waits in the jobs' dead-letter queue.
              { timeout: Duration.minutes(1), deadLetterQueue: this.sweeperDlq }
            : name === 'audit'
              ? // An export page reads, encodes and signs up to AUDIT_EXPORT_PAGE_SIZE entries: allow up to API Gateway's 30 s.
                { timeout: Duration.seconds(29) }
              : name === 'archiver'
                ? { timeout: Duration.minutes(1) }
                : {},
      );
    }

    // The audit table's stream, from its oldest record, in order, into the archiver. A batch that keeps
    // failing is split to find the failing change, retried, and finally its positions go to the queue.
    const auditStreamMapping = new EventSourceMapping(this, 'ArchiverAuditStream', {
      target: this.functions.archiver,
      eventSourceArn: data.tables.Audit.tableStreamArn!,
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      bisectBatchOnError: true,
      retryAttempts: 20,
      reportBatchItemFailures: true,
      onFailure: new SqsDlq(this.archiverDlq),
    });
    void auditStreamMapping;

    const schedule = new Rule(this, 'SweeperSchedule', {
      description: `Peerguard ${stage}: expire alerts, redeliver notifications, seal the audit chain`,
      schedule: Schedule.rate(Duration.minutes(15)),
    });
    schedule.addTarget(
      new LambdaFunction(this.functions.sweeper, {
        deadLetterQueue: this.sweeperDlq,
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      }),
    );

    // The reporters' match digests: once a day, for the UTC day before (shared/domain/match-digest.ts).
    new Rule(this, 'MatchDigestSchedule', {
      description: `Peerguard ${stage}: the reporters' daily match digests`,
      schedule: Schedule.cron({ minute: '0', hour: '6' }),
    }).addTarget(
      new LambdaFunction(this.functions.sweeper, {
        event: RuleTargetInput.fromObject({ job: 'match-digest' }),
        deadLetterQueue: this.sweeperDlq,
        retryAttempts: 2,
        maxEventAge: Duration.hours(6),
      }),
    );

    // Re-screening: each publication or reinstatement on the practices topic starts the rescreener.
    // The subscription lives in this stack (the topic's stack never names a function of this one).
    const rescreen = new Subscription(this, 'RescreenSubscription', {
      topic: data.topics.practices,
      protocol: SubscriptionProtocol.LAMBDA,
      endpoint: this.functions.rescreener.functionArn,
      filterPolicy: { type: SubscriptionFilter.stringFilter({ allowlist: ['alert.published', 'alert.reinstated'] }) },
    });
    // A message SNS cannot hand to the function waits in the notifications' dead-letter queue, whose
    // policy already admits the practices topic (set directly: the queue's policy stays the data stack's own).
    (rescreen.node.defaultChild as CfnSubscription).redrivePolicy = { deadLetterTargetArn: data.notificationsDlq.queueArn };
    this.functions.rescreener.addPermission('PracticesTopicInvokes', {
      principal: new ServicePrincipal('sns.amazonaws.com'),
      sourceArn: data.topics.practices.topicArn,
    });

    this.accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: config.accessLogRetentionDays as RetentionDays,
      encryptionKey: data.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.api = this.createApi(stage, config);

    this.alarms = new PeerguardAlarms(this, 'Alarms', {
      stage,
      config: config.alarms,
      data,
      api: this.api,
      accessLogs: this.accessLogs,
      functions: this.functions,
      sweeperDlq: this.sweeperDlq,
      archiverDlq: this.archiverDlq,
      operationsTopic: data.operationsTopic,
    });
  }

  private createFunction(
    name: FunctionName,
    config: StageConfig,
    data: PeerguardDataStack,
    environment: Record<string, string>,
    options: { timeout?: Duration; deadLetterQueue?: Queue },
  ): PeerguardFunction {
    const id = `${name[0]!.toUpperCase()}${name.slice(1)}`;
    const stage = data.stage;
    const role = new Role(this, `${id}Role`, {
      roleName: names.role(stage, name),
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Peerguard ${stage} ${name} function`,
    });
    Tags.of(role).add('peerguard:function', name);
    const logGroup = new LogGroup(this, `${id}Logs`, {
      retention: config.logRetentionDays as RetentionDays,
      encryptionKey: data.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Instead of AWSLambdaBasicExecutionRole (logs:* on every log group): its own log group only.
    role.addToPolicy(new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    for (const statement of grantStatements(name, data)) role.addToPolicy(statement);

    const fn = new PeerguardFunction(this, `${id}Function`, {
      name,
      role,
      logGroup,
      environment,
      description: `Peerguard ${name}`,
      reservedConcurrentExecutions: reservedConcurrencyOf(config, name),
      ...options,
    });
    this.roles[name] = role;
    this.logGroups[name] = logGroup;

    // X-Ray's PutTraceSegments and PutTelemetryRecords have no resource-level permissions (nor has DynamoDB's ListStreams).
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      functionGrants[name].auditStream?.includes('dynamodb:ListStreams')
        ? "X-Ray tracing (Tracing.ACTIVE) needs xray:PutTraceSegments and xray:PutTelemetryRecords, and Lambda's stream polling dynamodb:ListStreams, which support no resource but *."
        : 'X-Ray tracing (Tracing.ACTIVE) needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource but *.',
    );
    if (name === 'archiver') {
      acknowledge(
        fn,
        'Serverless-LambdaDLQ',
        "The archiver is invoked by the audit table's stream (an event source mapping), whose on-failure destination is the archiver dead-letter queue; a function dead-letter queue only receives failed asynchronous invocations.",
      );
    } else if (name !== 'sweeper' && name !== 'rescreener') {
      acknowledge(
        fn,
        'Serverless-LambdaDLQ',
        `The ${name} function is only invoked synchronously (${name === 'authorizer' ? 'API Gateway authorizer' : 'API Gateway integration'}): a dead-letter queue only receives failed asynchronous invocations.`,
      );
    }
    if (functionGrants[name].auditCopyBucket) {
      acknowledge(
        role,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::peerguard-${stage}-audit-<AWS::AccountId>-<AWS::Region>/*]`,
        "A copy's object name is its chain position, so PutObject must cover every name in the audit copy bucket; there is no Delete.",
      );
      acknowledge(
        role,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::peerguard-${stage}-audit-<AWS::AccountId>-<AWS::Region>/changes/*]`,
        'GetObject only on the change records (positions and hashes, never content), to tell a redelivered change from a new one.',
      );
    }
    if (functionGrants[name].sealBucket) {
      acknowledge(
        role,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::peerguard-${stage}-seals-<AWS::AccountId>-<AWS::Region>/*]`,
        'A seal object key names the chain position it seals, so PutObject must cover every key in the seal bucket; there is no Get or Delete.',
      );
    }
    return fn;
  }

  private createApi(stage: string, config: StageConfig): HttpApi {
    const api = new HttpApi(this, 'HttpApi', {
      apiName: `peerguard-${stage}`,
      createDefaultStage: false,
    });
    const defaultStage = api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.api.rateLimit, burstLimit: config.api.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(accessLogFields)),
      },
    });

    // The authorizer denies a malformed, unknown or revoked key, so API Gateway answers it (a bare
    // 403) without invoking any route's function; a valid key's role and practice go to the
    // handler in the context. A cached answer lives at most 60 s: a revoked key stops working within that.
    const authorizer = new HttpLambdaAuthorizer('ApiKeyAuthorizer', this.functions.authorizer, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ['$request.header.Authorization'],
      resultsCacheTtl: Duration.seconds(60),
    });
    const integrations = new Map<string, HttpLambdaIntegration>();
    const integrationFor = (group: RouteDefinition['group']) => {
      let integration = integrations.get(group);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${group}Integration`, this.functions[group], {
          payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
        });
        integrations.set(group, integration);
      }
      return integration;
    };

    for (const route of routes as readonly RouteDefinition[]) {
      const [created] = api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrationFor(route.group),
        authorizer: route.auth === 'none' ? new HttpNoneAuthorizer() : authorizer,
      });
      if (route.auth === 'none') {
        const reason = publicRouteReasons[routeKey(route)];
        if (!reason) throw new Error(`${routeKey(route)} is public: say why in publicRouteReasons`);
        acknowledge(created!, 'AwsSolutions-APIG4', reason);
      }
    }

    new CfnOutput(this, 'ApiUrl', { value: defaultStage.url, description: 'Base URL of the Peerguard HTTP API' });
    return api;
  }
}

/** Why each public route needs no API key (cdk-nag asks for an authorizer on every route). */
export const publicRouteReasons: Readonly<Record<string, string>> = {
  'GET /v1/health': 'GET /v1/health is the public liveness probe: it answers {"status":"ok"} and reads no data.',
  'GET /v1/openapi.json': 'GET /v1/openapi.json is the public OpenAPI document of the API: a static file built into the function, it reads no data.',
  'GET /v1/stats/summary':
    'GET /v1/stats/summary is the public statistics summary a report can cite: network-wide counts only, every figure behind fewer than k practices or alerts suppressed, no identifier; the edge rate limits per IP apply.',
  'POST /v1/integrations/calcom/{practiceId}':
    "POST /v1/integrations/calcom/{practiceId} is Cal.com's webhook: Cal.com holds no API key, and each delivery is authenticated in the function by its X-Cal-Signature-256 HMAC under the practice's own secret before anything of it is read.",
} satisfies Record<RouteKey<Extract<(typeof routes)[number], { auth: 'none' }>>, string>;

/**
 * The token key settings every function gets: the current key (the newest listed version) and,
 * during a rotation's migration window, the keys it replaced, newest first: `k2=<arn>,k1=<arn>`.
 */
export function hmacEnvironment(data: PeerguardDataStack): Pick<Record<keyof AwsConfig, string>, 'HMAC_KEY_ID' | 'HMAC_KEY_VERSION'> & {
  HMAC_PREVIOUS_KEYS?: string;
} {
  const current = data.hmacKeys.at(-1)!;
  const previous = data.hmacKeys.slice(0, -1).reverse();
  return {
    HMAC_KEY_ID: current.key.keyArn,
    HMAC_KEY_VERSION: current.version,
    ...(previous.length > 0 ? { HMAC_PREVIOUS_KEYS: previous.map(({ version, key }) => `${version}=${key.keyArn}`).join(',') } : {}),
  };
}

/** The IAM statements `functionGrants` gives a function (beyond its log group and X-Ray). */
export function grantStatements(name: FunctionName, data: PeerguardDataStack): PolicyStatement[] {
  const grants = functionGrants[name];
  const statements: PolicyStatement[] = [];
  for (const [id, actions] of Object.entries(grants.tables ?? {}) as [TableId, readonly string[]][]) {
    const table = data.tables[id];
    const def = tableDefinitions.find((d) => d.id === id)!;
    const indexes = def.globalSecondaryIndexes.map((gsi) => `${table.tableArn}/index/${gsi.indexName}`);
    const onTable = actions.filter((a) => a !== 'dynamodb:Query');
    if (onTable.length > 0) statements.push(new PolicyStatement({ actions: onTable, resources: [table.tableArn] }));
    if (actions.includes('dynamodb:Query')) {
      statements.push(new PolicyStatement({ actions: ['dynamodb:Query'], resources: [table.tableArn, ...indexes] }));
    }
  }
  for (const [id, indexes] of Object.entries(grants.indexes ?? {}) as [TableId, readonly string[]][]) {
    const table = data.tables[id];
    statements.push(new PolicyStatement({ actions: ['dynamodb:Query'], resources: indexes.map((index) => `${table.tableArn}/index/${index}`) }));
  }
  for (const [key, actions] of Object.entries(grants.keys ?? {}) as [keyof PeerguardDataStack['keys'], readonly string[]][]) {
    // A token key grant covers every listed version: the replaced keys are still needed for lookups.
    const keys = key === 'hmac' ? data.hmacKeys.map((v) => v.key) : [data.keys[key]];
    statements.push(new PolicyStatement({ actions: [...actions], resources: keys.map((k) => k.keyArn) }));
  }
  if (grants.publish?.length) {
    statements.push(new PolicyStatement({ actions: ['sns:Publish'], resources: grants.publish.map((t) => data.topics[t].topicArn) }));
    statements.push(new PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [data.messagingKey.keyArn] }));
  }
  if (grants.auditStream?.length) {
    // The table's one stream by its ARN; ListStreams is a list action with no resource but *.
    const onStream = grants.auditStream.filter((action) => action !== 'dynamodb:ListStreams');
    if (onStream.length > 0) statements.push(new PolicyStatement({ actions: onStream, resources: [data.tables.Audit.tableStreamArn!] }));
    if (grants.auditStream.includes('dynamodb:ListStreams')) statements.push(new PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: ['*'] }));
  }
  if (grants.auditCopyBucket?.length) {
    if (grants.auditCopyBucket.includes('s3:PutObject'))
      statements.push(new PolicyStatement({ actions: ['s3:PutObject'], resources: [names.auditCopyObjectsArn(data.stage)] }));
    if (grants.auditCopyBucket.includes('s3:GetObject'))
      statements.push(new PolicyStatement({ actions: ['s3:GetObject'], resources: [names.auditCopyObjectsArn(data.stage, 'changes/')] }));
    statements.push(new PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [data.sealKey.keyArn] }));
  }
  if (grants.sealBucket?.length) {
    statements.push(new PolicyStatement({ actions: [...grants.sealBucket], resources: [names.sealObjectsArn(data.stage)] }));
    statements.push(new PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [data.sealKey.keyArn] }));
  }
  return statements;
}

export interface BuildOptions {
  /** Register the cdk-nag packs as validation plugins (synth fails on an unacknowledged finding). Default true. */
  readonly nag?: boolean;
}

/**
 * The app and its two stacks, constructed without synthesising (`infra/app.ts` runs this under
 * the CLI; tests pass their own context). Context `stage` selects the stage (default `dev`),
 * whose settings come from context `peerguard:stages`.
 */
export function buildApp(
  props: AppProps = {},
  options: BuildOptions = {},
): { app: App; data: PeerguardDataStack; stack: PeerguardStack; edge: PeerguardEdgeStack; web: PeerguardWebStack; config: StageConfig; stage: string } {
  const app = new App(props);
  const stage = String(app.node.tryGetContext(stageContextKey) ?? 'dev');
  const config = parseStageConfig(stage, app.node.tryGetContext(stagesContextKey));
  // Before any function is bundled: a missing console build fails at once, with what to run.
  const assets = webAssetFolders(String(app.node.tryGetContext(webAssetsContextKey) ?? defaultWebAssets));
  const env = config.account || config.region ? { account: config.account, region: config.region } : undefined;
  const data = new PeerguardDataStack(app, 'PeerguardData', {
    stackName: names.dataStack(stage),
    stage,
    config,
    env,
    description: `Peerguard safety-alert network (${stage}): tables, keys, topics, audit seals`,
  });
  const stack = new PeerguardStack(app, 'Peerguard', {
    stackName: names.appStack(stage),
    stage,
    config,
    data,
    env,
    description: `Peerguard safety-alert network (${stage}): API, functions, alarms`,
  });
  const edge = new PeerguardEdgeStack(app, 'PeerguardEdge', {
    stackName: names.edgeStack(stage),
    stage,
    config,
    env: { account: config.account, region: edgeRegion },
    description: `Peerguard safety-alert network (${stage}): per-client rate limits at the CloudFront edge (AWS WAF)`,
  });
  const web = new PeerguardWebStack(app, 'PeerguardWeb', {
    stackName: names.webStack(stage),
    stage,
    config,
    api: stack.api,
    logsKey: data.logsKey,
    edgeStackName: edge.stackName,
    assets,
    env,
    description: `Peerguard safety-alert network (${stage}): console and API reference behind CloudFront, /v1 routed to the API`,
  });
  web.addStackDependency(edge, 'the distribution reads the web ACL ARN from the edge stack');
  if (options.nag ?? true) addNagPacks(app);
  return { app, data, stack, edge, web, config, stage };
}
