import { describe, expect, it } from 'vitest';
import { configSchema } from '#shared/config.ts';
import { routeKey, routes, type RouteDefinition } from '#shared/routes.ts';
import { functionNames, type FunctionGrants, type FunctionName } from '#infra/grants.ts';
import { buildApp, publicRouteReasons } from '#infra/peerguard-stack.ts';
import { asArray, cdkContext, type Json, refId, resolvedEnvironment, synth, testContext } from './support.ts';

const built = synth();
const { view, appTemplate, config } = built;

describe('app', () => {
  it('has a data stack and an app stack named after the stage, default dev', () => {
    expect(built.stage).toBe('dev');
    expect(built.data.stackName).toBe('Peerguard-dev-data');
    expect(built.stack.stackName).toBe('Peerguard-dev');
    expect(built.stack.dependencies).toContain(built.data);
    const prod = buildApp({ context: testContext({ stage: 'prod' }) }, { nag: false });
    expect([prod.data.stackName, prod.stack.stackName]).toEqual(['Peerguard-prod-data', 'Peerguard-prod']);
  });

  it('refuses a stage name that cannot name resources, and a stage without settings', () => {
    expect(() => buildApp({ context: { ...cdkContext, stage: 'Prod stage' } })).toThrow(/Invalid stage "Prod stage"/);
    expect(() => buildApp({ context: { ...cdkContext, stage: 'staging' } })).toThrow(/no settings under "peerguard:stages" \(known: dev, prod\)/);
  });

  it('stays environment-agnostic unless the stage pins an account or region', () => {
    expect(appTemplate.toJSON().Resources).toBeDefined();
    expect(built.stack.environment).toBe('aws://unknown-account/unknown-region');
  });
});

describe('Lambda functions', () => {
  it('one function per route group, plus the authorizer and the sweeper', () => {
    expect([...view.functions.keys()].sort()).toEqual([...functionNames].sort());
  });

  it.each(functionNames)('%s runs nodejs24.x on arm64 with X-Ray active and its own encrypted log group', (name) => {
    const props = view.fn(name).props;
    expect(props.Runtime).toBe('nodejs24.x');
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.MemorySize).toBe(512);
    expect(props.Timeout).toBe(name === 'sweeper' ? 300 : name === 'audit' ? 29 : name === 'rescreener' ? 60 : 10);
    expect(props.TracingConfig).toEqual({ Mode: 'Active' });
    const logGroup = view.resource(refId(props.LoggingConfig?.LogGroup)!);
    expect(logGroup.Properties.RetentionInDays).toBe(config.logRetentionDays);
    expect(view.describe(logGroup.Properties.KmsKeyId)).toBe('LogsKey');
    // One log group and one role per function.
    expect(view.ofType('app', 'AWS::Lambda::Function').filter(([, f]) => refId(f.Properties.Role) === view.roleOf(name))).toHaveLength(1);
  });

  it.each(functionNames)('%s gets the AWS runtime configuration from the stage settings and the data stack', (name) => {
    const env = view.fn(name).props.Environment.Variables;
    expect(env).toMatchObject({
      PEERGUARD_RUNTIME: 'aws',
      PHONE_DEFAULT_REGION: 'US',
      ALERT_TTL_DAYS: '730',
      STATS_MIN_CONTRIBUTORS: '5',
      LOG_LEVEL: config.logLevel,
      HMAC_KEY_VERSION: 'k1',
      CHECKS_PER_MINUTE: String(config.quotas.checksPerMinute),
      CHECKS_PER_DAY: String(config.quotas.checksPerDay),
      GUESSES_PER_DAY: String(config.quotas.guessesPerDay),
      SLOWED_CHECKS_PER_MINUTE: String(config.quotas.slowedChecksPerMinute),
      SLOWED_CHECKS_PER_DAY: String(config.quotas.slowedChecksPerDay),
      POWERTOOLS_SERVICE_NAME: 'peerguard',
      POWERTOOLS_METRICS_NAMESPACE: 'Peerguard/dev',
      POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
      POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
      POWERTOOLS_LOGGER_LOG_EVENT: 'false',
      NODE_OPTIONS: '--enable-source-maps',
    });
    const refs = Object.fromEntries(
      [
        'API_KEYS_TABLE',
        'MAIN_TABLE',
        'TOKEN_TABLE',
        'AUDIT_TABLE',
        'HMAC_KEY_ID',
        'SIGNING_KEY_ID',
        'DATA_KEY_ID',
        'REVIEWERS_TOPIC_ARN',
        'PRACTICES_TOPIC_ARN',
        'SECURITY_TOPIC_ARN',
      ].map((k) => [k, view.describe(env[k])]),
    );
    expect(refs).toEqual({
      API_KEYS_TABLE: 'ApiKeys',
      MAIN_TABLE: 'Main',
      TOKEN_TABLE: 'TokenIndex',
      AUDIT_TABLE: 'Audit',
      HMAC_KEY_ID: 'HmacKey',
      SIGNING_KEY_ID: 'SigningKey',
      DATA_KEY_ID: 'DataKey',
      REVIEWERS_TOPIC_ARN: 'ReviewersTopic',
      PRACTICES_TOPIC_ARN: 'PracticesTopic',
      SECURITY_TOPIC_ARN: 'SecurityTopic',
    });
    // DATA_KEY_ID must be the full ARN (KMS Decrypt of a summary's data key is pinned to it).
    expect(env.DATA_KEY_ID['Fn::ImportValue']).toMatch(/DataKey[0-9A-F]+Arn/);
    expect(env.SEAL_BUCKET && view.describe(env.SEAL_BUCKET)).toBe(name === 'sweeper' ? 'SealBucket' : undefined);
  });

  it.each(functionNames)('%s environment satisfies the aws configuration schema the function loads', (name) => {
    const env: Record<string, Json> = view.fn(name).props.Environment.Variables;
    // Stand-ins for the values CloudFormation fills in: an ARN where the schema needs one.
    const parsed = configSchema.safeParse(resolvedEnvironment(view, env));
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(parsed.data).toMatchObject({ HMAC_KEY_VERSION: 'k1', HMAC_PREVIOUS_KEYS: [] });
    // Every variable of the aws branch is set by the stack, not left to a default, except those
    // that are optional by design: the replaced token keys (set only while a rotation's migration
    // window is open; cdk.json lists one version) and the seal bucket (the sweeper's alone).
    const aws = configSchema.options.find((o) => o.shape.PEERGUARD_RUNTIME.value === 'aws')!;
    // The re-confirmation window, token retention and the subject-token lookup limit are
    // network-wide policy with documented defaults (docs/security.md), not yet stage settings.
    // So is the threshold of the reporters' match digest (docs/rescreening.md).
    const leftToDefaults = [
      'IDEMPOTENCY_TTL_HOURS',
      'AUDIT_EXPORT_PAGE_SIZE',
      'AUDIT_CHAINS',
      'RECONFIRM_WINDOW_DAYS',
      'TOKEN_RETENTION_DAYS',
      'SUBJECT_TOKEN_LOOKUPS_PER_DAY',
      'MATCH_DIGEST_MIN_COUNT',
    ];
    const optional = ['HMAC_PREVIOUS_KEYS', 'SEAL_BUCKET'];
    const settable = Object.keys(aws.shape).filter((k) => ![...leftToDefaults, ...optional].includes(k));
    expect(Object.keys(env)).toEqual(expect.arrayContaining(settable));
    expect(Object.keys(env).filter((k) => optional.includes(k))).toEqual(name === 'sweeper' ? ['SEAL_BUCKET'] : []);
    // Nothing the function would not read (a misspelt variable would silently fall back to a default).
    const runtimeOnly = /^(POWERTOOLS_[A-Z_]+|NODE_OPTIONS)$/;
    expect(Object.keys(env).filter((k) => !(k in aws.shape) && !runtimeOnly.test(k))).toEqual([]);
  });

  it('the sweeper runs every 15 minutes from EventBridge, with retries and a dead-letter queue', () => {
    const rule = view
      .ofType('app', 'AWS::Events::Rule')
      .map(([, r]) => r as Json)
      .find((r) => r.Properties.ScheduleExpression === 'rate(15 minutes)');
    expect(rule).toBeDefined();
    const [target] = rule.Properties.Targets;
    expect(refId(target.Arn)).toBe(view.fn('sweeper').id);
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 });
    expect(view.describe(target.DeadLetterConfig.Arn)).toBe('SweeperDlq');
    expect(view.describe(view.fn('sweeper').props.DeadLetterConfig.TargetArn)).toBe('SweeperDlq');
    const queue = view.ofType('app', 'AWS::SQS::Queue')[0]![1];
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
  });

  it("the reporters' match digests are made once a day at 06:00 UTC by the sweeper, with retries and the dead-letter queue", () => {
    const rules = view.ofType('app', 'AWS::Events::Rule').map(([, r]) => r as Json);
    expect(rules.map((r) => r.Properties.ScheduleExpression).sort()).toEqual(['cron(0 6 * * ? *)', 'rate(15 minutes)']);
    const [target] = rules.find((r) => r.Properties.ScheduleExpression === 'cron(0 6 * * ? *)')!.Properties.Targets;
    expect(refId(target.Arn)).toBe(view.fn('sweeper').id);
    expect(JSON.parse(target.Input)).toEqual({ job: 'match-digest' });
    expect(view.describe(target.DeadLetterConfig.Arn)).toBe('SweeperDlq');
  });

  it('the rescreener hears only publications and reinstatements on the practices topic, and keeps what still fails', () => {
    const subscriptions = view.ofType('app', 'AWS::SNS::Subscription').map(([, s]) => s.Properties as Json);
    expect(subscriptions).toHaveLength(1);
    const [subscription] = subscriptions;
    expect(subscription.Protocol).toBe('lambda');
    expect(view.describe(subscription.TopicArn)).toBe('PracticesTopic');
    expect(JSON.stringify(subscription.Endpoint)).toContain(view.fn('rescreener').id);
    expect(subscription.FilterPolicy).toEqual({ type: ['alert.published', 'alert.reinstated'] });
    const invoke = view
      .ofType('app', 'AWS::Lambda::Permission')
      .map(([, p]) => p.Properties as Json)
      .find((p) => p.Principal === 'sns.amazonaws.com');
    expect(JSON.stringify(invoke.FunctionName)).toContain(view.fn('rescreener').id);
    expect(view.describe(invoke.SourceArn)).toBe('PracticesTopic');
    expect(view.describe(view.fn('rescreener').props.DeadLetterConfig.TargetArn)).toBe('SweeperDlq');
  });
});

describe('HTTP API', () => {
  const [[authorizerId, authorizer]] = view.ofType('app', 'AWS::ApiGatewayV2::Authorizer') as [[string, Json]];
  const routesByKey = new Map(view.ofType('app', 'AWS::ApiGatewayV2::Route').map(([, r]) => [r.Properties.RouteKey as string, r.Properties]));

  it('has exactly the routes of the route table', () => {
    appTemplate.resourceCountIs('AWS::ApiGatewayV2::Route', routes.length);
    expect([...routesByKey.keys()].sort()).toEqual(routes.map((r) => routeKey(r)).sort());
  });

  it.each((routes as readonly RouteDefinition[]).map((r) => [routeKey(r), r] as const))(
    '%s is integrated with its group and authorised as declared',
    (key, route) => {
      const props = routesByKey.get(key);
      expect(props, key).toBeDefined();
      if (route.auth === 'none') {
        expect(props.AuthorizationType).toBe('NONE');
        expect(props.AuthorizerId).toBeUndefined();
      } else {
        expect(props.AuthorizationType).toBe('CUSTOM');
        expect(refId(props.AuthorizerId)).toBe(authorizerId);
      }
      const integrationId = props.Target['Fn::Join'][1][1].Ref;
      const integration = view.resource(integrationId).Properties;
      expect(integration.PayloadFormatVersion).toBe('2.0');
      expect([...view.functions].find(([, f]) => f.id === refId(integration.IntegrationUri))?.[0]).toBe(route.group);
    },
  );

  it("only GET /v1/health, GET /v1/openapi.json, the statistics summary and Cal.com's signed webhook are public, each with its reason", () => {
    const publicKeys = [...routesByKey].filter(([, r]) => r.AuthorizationType !== 'CUSTOM').map(([k]) => k);
    expect(publicKeys.sort()).toEqual(['GET /v1/health', 'GET /v1/openapi.json', 'GET /v1/stats/summary', 'POST /v1/integrations/calcom/{practiceId}']);
    expect(Object.keys(publicRouteReasons).sort()).toEqual(publicKeys);
  });

  it('the authorizer is the authorizer function, simple responses, cached for at most 60 s', () => {
    const props = authorizer.Properties;
    expect(props.AuthorizerType).toBe('REQUEST');
    expect(props.EnableSimpleResponses).toBe(true);
    expect(props.AuthorizerPayloadFormatVersion).toBe('2.0');
    expect(props.IdentitySource).toEqual(['$request.header.Authorization']);
    expect(props.AuthorizerResultTtlInSeconds).toBeLessThanOrEqual(60);
    expect(JSON.stringify(props.AuthorizerUri)).toContain(`"${view.fn('authorizer').id}"`);
  });

  it('the default stage is auto-deployed and throttled as the stage settings say', () => {
    appTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: config.api.rateLimit, ThrottlingBurstLimit: config.api.burstLimit },
    });
    const prod = synth({ stage: 'prod' }, { nag: false });
    prod.appTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: prod.config.api.rateLimit, ThrottlingBurstLimit: prod.config.api.burstLimit },
    });
    expect(prod.config.api.rateLimit).not.toBe(config.api.rateLimit);
    appTemplate.hasOutput('ApiUrl', {});
  });
});

describe('IAM least privilege', () => {
  const main = (...actions: string[]) => actions.map((a) => `dynamodb:${a} Main`);
  const mainQuery = ['dynamodb:Query Main', 'dynamodb:Query Main/index/gsi1', 'dynamodb:Query Main/index/gsi2', 'dynamodb:Query Main/index/byKind'];
  const audit = ['dynamodb:PutItem Audit', 'dynamodb:Query Audit', 'dynamodb:Query Audit/index/byTime'];
  const publish = (...topics: string[]) => [...topics.map((t) => `sns:Publish ${t}Topic`), 'kms:Decrypt MessagingKey', 'kms:GenerateDataKey MessagingKey'];
  const baseline = (name: string) => [
    `logs:CreateLogStream ${name}Logs`,
    `logs:PutLogEvents ${name}Logs`,
    'xray:PutTelemetryRecords *',
    'xray:PutTraceSegments *',
  ];
  /** What each function may do, written out here independently of infra/grants.ts. */
  const expected: Record<FunctionName, string[]> = {
    authorizer: ['dynamodb:GetItem ApiKeys'],
    health: [],
    admin: [
      'dynamodb:PutItem ApiKeys',
      'dynamodb:UpdateItem ApiKeys',
      'dynamodb:Query ApiKeys/index/keysByRole',
      ...main('PutItem', 'GetItem', 'BatchGetItem'),
      ...mainQuery,
      ...audit,
    ],
    clauses: [...main('PutItem', 'GetItem'), ...mainQuery, ...audit],
    alerts: [
      ...main('GetItem', 'PutItem', 'UpdateItem', 'BatchGetItem'),
      ...mainQuery,
      'dynamodb:UpdateItem TokenIndex',
      ...audit,
      'kms:GenerateMac HmacKey',
      'kms:Sign SigningKey',
      'kms:GenerateDataKey DataKey',
      'kms:Decrypt DataKey',
      ...publish('Reviewers', 'Practices'),
    ],
    reviews: [
      ...main('GetItem', 'PutItem', 'UpdateItem', 'BatchGetItem'),
      ...mainQuery,
      'dynamodb:UpdateItem TokenIndex',
      ...audit,
      'kms:Sign SigningKey',
      'kms:Decrypt DataKey',
      ...publish('Practices'),
    ],
    checks: ['dynamodb:BatchGetItem TokenIndex', ...main('UpdateItem', 'PutItem', 'GetItem'), ...audit, 'kms:GenerateMac HmacKey', ...publish('Security')],
    integrations: [
      'dynamodb:BatchGetItem TokenIndex',
      ...main('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'),
      ...audit,
      'kms:GenerateMac HmacKey',
      'kms:GenerateDataKey DataKey',
      'kms:Decrypt DataKey',
      ...publish('Practices', 'Security'),
    ],
    audit: [...audit, 'kms:Sign SigningKey', 'kms:GetPublicKey SigningKey', 'kms:GenerateMac HmacKey'],
    bookings: [
      'dynamodb:BatchGetItem TokenIndex',
      ...main('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'),
      ...mainQuery,
      ...audit,
      'kms:GenerateMac HmacKey',
      ...publish('Security'),
    ],
    rescreener: [...main('GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'), ...mainQuery, ...audit, ...publish('Practices'), 'sqs:SendMessage SweeperDlq'],
    sweeper: [
      ...main('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'),
      ...mainQuery,
      'dynamodb:UpdateItem TokenIndex',
      ...audit,
      'kms:Sign SigningKey',
      ...publish('Reviewers', 'Practices', 'Security'),
      's3:PutObject SealBucket/*',
      'kms:GenerateDataKey SealKey',
      'sqs:SendMessage SweeperDlq',
    ],
  };

  it.each(functionNames)('%s has exactly its audited permissions', (name) => {
    expect(view.permissionsOf(name)).toEqual([...new Set([...expected[name], ...baseline(name)])].sort());
  });

  it.each(functionNames)('%s role is its own, named, for Lambda only, with no managed policy', (name) => {
    const role = view.resource(view.roleOf(name)).Properties;
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(view.describe(role.RoleName)).toBe(`peerguard-dev-${name}-\${AWS::Region}`);
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }]);
  });

  it('no identity policy statement uses a wildcard action or NotAction', () => {
    const statements = view.identityStatements();
    expect(statements.length).toBeGreaterThan(0);
    for (const { statement } of statements) {
      expect(statement.NotAction).toBeUndefined();
      for (const action of asArray(statement.Action)) expect(action).not.toMatch(/\*/);
    }
  });

  it('the only wildcard resources are X-Ray (no resource-level permissions) and the seal objects', () => {
    for (const name of functionNames) {
      const wildcards = view.permissionsOf(name).filter((p) => p.includes('*'));
      expect(
        wildcards.filter((p) => !p.startsWith('xray:') && p !== 's3:PutObject SealBucket/*'),
        name,
      ).toEqual([]);
    }
  });

  it('every identity policy is attached only to Peerguard function roles', () => {
    const roles = new Set(functionNames.map((n) => view.roleOf(n)));
    for (const { roles: attached } of view.identityStatements()) for (const role of attached) expect(roles.has(role), role).toBe(true);
  });

  it('nobody may update or delete audit entries, and only the sweeper writes seals', () => {
    for (const name of functionNames) {
      const permissions = view.permissionsOf(name);
      expect(
        permissions.filter((p) => /^dynamodb:(UpdateItem|DeleteItem|BatchWriteItem) Audit/.test(p)),
        name,
      ).toEqual([]);
      expect(
        permissions.some((p) => p.startsWith('s3:')),
        name,
      ).toBe(name === 'sweeper');
    }
    expect(view.permissionsOf('sweeper').filter((p) => p.startsWith('s3:'))).toEqual(['s3:PutObject SealBucket/*']);
  });

  it('the grants table cannot express an audit update or delete, nor a key used for another purpose (npm run typecheck)', () => {
    const refused: FunctionGrants[] = [
      // @ts-expect-error the audit table is append-only
      { tables: { Audit: ['dynamodb:UpdateItem'] } },
      // @ts-expect-error the audit table is append-only
      { tables: { Audit: ['dynamodb:DeleteItem'] } },
      // @ts-expect-error the HMAC key only computes MACs
      { keys: { hmac: ['kms:Sign'] } },
      // @ts-expect-error the data key never signs
      { keys: { data: ['kms:Sign'] } },
    ];
    expect(refused).toHaveLength(4);
  });

  it('the checks function cannot sign, decrypt summaries, or read ApiKeys', () => {
    const permissions = view.permissionsOf('checks');
    expect(permissions.some((p) => p.startsWith('kms:Sign '))).toBe(false);
    expect(permissions.some((p) => p.startsWith('kms:Decrypt DataKey'))).toBe(false);
    expect(permissions.some((p) => p.includes(' ApiKeys'))).toBe(false);
  });

  it('only the authorizer can read the ApiKeys table', () => {
    const readsApiKeys = (p: string) => /^dynamodb:(Get|BatchGet|Query|Scan)\S* ApiKeys$/.test(p);
    expect(functionNames.filter((name) => view.permissionsOf(name).some(readsApiKeys))).toEqual(['authorizer']);
  });

  it('only the admin function queries the keys index, and that index holds no secret hash', () => {
    const readsKeysIndex = (p: string) => /^dynamodb:\S+ ApiKeys\/index\//.test(p);
    expect(functionNames.filter((name) => view.permissionsOf(name).some(readsKeysIndex))).toEqual(['admin']);
    expect(view.permissionsOf('admin').filter(readsKeysIndex)).toEqual(['dynamodb:Query ApiKeys/index/keysByRole']);
    const [, keysTable] = view.ofType('data', 'AWS::DynamoDB::Table').find(([, t]) => JSON.stringify(t.Properties.KeySchema).includes('"keyId"'))!;
    const projections = asArray<Json>(keysTable.Properties.GlobalSecondaryIndexes).map((g) => g.Projection);
    expect(projections).toEqual([{ ProjectionType: 'INCLUDE', NonKeyAttributes: ['practiceId', 'label', 'createdAt', 'revokedAt'] }]);
  });
});
