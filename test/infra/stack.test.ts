import { readFileSync } from 'node:fs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { tableDefinitions, type KeyAttribute, type TableDefinition } from '#shared/adapters/dynamo/tables.ts';
import { functionGroups, routeKey, routes, type RouteDefinition } from '#shared/routes.ts';
import { functionTag, type FunctionName } from '#infra/peerguard-function.ts';
import { buildApp } from '#infra/peerguard-stack.ts';

// Synthesised once, with cdk.json's feature flags and without bundling (no esbuild run).
const cdkContext = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')).context;
const { stack } = buildApp({
  context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] },
  builtinCloudFormationValidation: false, // `cdk synth` still runs it; here it only costs seconds
});
const template = Template.fromStack(stack);

// ---------- helpers over the raw template ----------

type Json = any; // CloudFormation JSON: checked structurally by the assertions below.
interface Statement {
  Effect: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
}

const resources: Record<string, Json> = template.toJSON().Resources;
const ofType = (type: string): [string, Json][] => Object.entries(resources).filter(([, r]) => r.Type === type);
const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
/** The logical id behind `{ Ref }` or `{ Fn::GetAtt: [id, attr] }`. */
const refId = (value: Json): string | undefined =>
  typeof value?.Ref === 'string' ? value.Ref : Array.isArray(value?.['Fn::GetAtt']) ? value['Fn::GetAtt'][0] : undefined;

const allFunctionNames: FunctionName[] = [...functionGroups, 'authorizer'];

/** Our functions (tagged by PeerguardFunction), by name; CDK-internal functions carry no tag. */
const functions = new Map<string, { id: string; props: Json }>(
  ofType('AWS::Lambda::Function').flatMap(([id, r]) => {
    const tag = asArray<Json>(r.Properties.Tags).find((t) => t.Key === functionTag);
    return tag ? [[tag.Value as string, { id, props: r.Properties }] as const] : [];
  }),
);
const fn = (name: FunctionName) => {
  const found = functions.get(name);
  if (!found) throw new Error(`no function tagged ${name}`);
  return found;
};
const roleOf = (name: FunctionName): string => refId(fn(name).props.Role)!;
const functionOfRole = (roleId: string): string | undefined =>
  [...functions].find(([, f]) => refId(f.props.Role) === roleId)?.[0];
const functionWithId = (logicalId: string | undefined): string | undefined =>
  [...functions].find(([, f]) => f.id === logicalId)?.[0];

/** Every identity-policy statement in the template, with the roles it is attached to. */
const identityStatements: { roles: string[]; statement: Statement }[] = [
  ...ofType('AWS::IAM::Policy').flatMap(([, p]) =>
    asArray<Statement>(p.Properties.PolicyDocument.Statement).map((statement) => ({
      roles: asArray<Json>(p.Properties.Roles).map(refId).filter((r): r is string => !!r),
      statement,
    })),
  ),
  ...ofType('AWS::IAM::ManagedPolicy').flatMap(([, p]) =>
    asArray<Statement>(p.Properties.PolicyDocument.Statement).map((statement) => ({
      roles: asArray<Json>(p.Properties.Roles).map(refId).filter((r): r is string => !!r),
      statement,
    })),
  ),
  ...ofType('AWS::IAM::Role').flatMap(([roleId, r]) =>
    asArray<Json>(r.Properties.Policies).flatMap((p) =>
      asArray<Statement>(p.PolicyDocument.Statement).map((statement) => ({ roles: [roleId], statement })),
    ),
  ),
];

/** Friendly names for the resources that policies point at. */
const keySchema = (pk: KeyAttribute, sk?: KeyAttribute) => [
  { AttributeName: pk.name, KeyType: 'HASH' },
  ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' }] : []),
];
const tableIdOf = (def: TableDefinition): string => {
  const matches = ofType('AWS::DynamoDB::GlobalTable').filter(
    ([, t]) => JSON.stringify(t.Properties.KeySchema) === JSON.stringify(keySchema(def.partitionKey, def.sortKey)),
  );
  expect(matches, `tables with the key schema of ${def.id}`).toHaveLength(1);
  return matches[0]![0];
};
const keyIdWithSpec = (spec: string | undefined): string => {
  const matches = ofType('AWS::KMS::Key').filter(([, k]) => k.Properties.KeySpec === spec);
  expect(matches, `keys with spec ${spec}`).toHaveLength(1);
  return matches[0]![0];
};
const friendlyNames = new Map<string, string>([
  ...tableDefinitions.map((def) => [tableIdOf(def), def.id] as [string, string]),
  [keyIdWithSpec('HMAC_256'), 'HmacKey'],
  [keyIdWithSpec('ECC_NIST_P256'), 'SigningKey'],
  [keyIdWithSpec(undefined), 'DataKey'],
  [ofType('AWS::SNS::Topic')[0]![0], 'ReviewersTopic'],
]);

/** `{GetAtt Main.Arn}` -> `Main`; `Join(Main.Arn, "/index/*")` -> `Main/index/*`; `*` -> `*`. */
function describeResource(resource: Json): string {
  if (typeof resource === 'string') return resource;
  const id = refId(resource);
  if (id) return friendlyNames.get(id) ?? id;
  const join = resource?.['Fn::Join'];
  if (Array.isArray(join) && join[0] === '' && join[1].length === 2 && typeof join[1][1] === 'string') {
    const base = refId(join[1][0]);
    if (base) return `${friendlyNames.get(base) ?? base}${join[1][1]}`;
  }
  return JSON.stringify(resource);
}

/** A role's effective Allow permissions as sorted `action resource` pairs. */
function permissionsOf(name: FunctionName): string[] {
  const role = roleOf(name);
  const pairs = identityStatements
    .filter((s) => s.roles.includes(role))
    .flatMap(({ statement }) => {
      expect(statement.Effect).toBe('Allow');
      expect(statement.NotAction).toBeUndefined();
      return asArray(statement.Action).flatMap((action) =>
        asArray<Json>(statement.Resource).map((r) => `${action} ${describeResource(r)}`),
      );
    });
  return [...new Set(pairs)].sort();
}

const touches = (permission: string, resource: string) =>
  permission.endsWith(` ${resource}`) || permission.includes(` ${resource}/`) || permission.endsWith(' *');

// ---------- tests ----------

describe('app', () => {
  it('names the stack after the stage, default dev', () => {
    expect(stack.stackName).toBe('Peerguard-dev');
    const prod = buildApp({ context: { stage: 'prod', 'aws:cdk:bundling-stacks': [] } }).stack;
    expect(prod.stackName).toBe('Peerguard-prod');
    expect(() => buildApp({ context: { stage: 'Prod stage' } })).toThrow(/Invalid stage/);
  });
});

describe('KMS keys', () => {
  it('HMAC key is HMAC_256 for GENERATE_VERIFY_MAC', () => {
    template.hasResourceProperties('AWS::KMS::Key', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
  });

  it('signing key is ECC_NIST_P256 for SIGN_VERIFY', () => {
    template.hasResourceProperties('AWS::KMS::Key', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
  });

  it('data key is symmetric with rotation', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeySpec: Match.absent(),
      KeyUsage: Match.absent(),
      EnableKeyRotation: true,
    });
  });

  it('there are three keys, all retained and aliased', () => {
    template.resourceCountIs('AWS::KMS::Key', 3);
    for (const [, key] of ofType('AWS::KMS::Key')) expect(key.DeletionPolicy).toBe('Retain');
    const aliases = ofType('AWS::KMS::Alias').map(([, a]) => a.Properties.AliasName).sort();
    expect(aliases).toEqual(['alias/peerguard-dev-data', 'alias/peerguard-dev-hmac', 'alias/peerguard-dev-signing']);
  });
});

describe('Lambda functions', () => {
  it('one function per group plus the authorizer', () => {
    expect([...functions.keys()].sort()).toEqual([...allFunctionNames].sort());
  });

  it.each(allFunctionNames)('%s runs nodejs24.x on arm64 with the team defaults', (name) => {
    const props = fn(name).props;
    expect(props.Runtime).toBe('nodejs24.x');
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.MemorySize).toBe(512);
    expect(props.Timeout).toBe(10);
    expect(props.TracingConfig).toEqual({ Mode: 'Active' });
    const logGroup = resources[refId(props.LoggingConfig?.LogGroup)!];
    expect(logGroup?.Properties.RetentionInDays).toBe(30);
  });

  it.each(allFunctionNames)('%s gets the AWS runtime configuration', (name) => {
    const env = fn(name).props.Environment.Variables;
    expect(env).toMatchObject({
      PEERGUARD_RUNTIME: 'aws',
      PHONE_DEFAULT_REGION: 'US',
      ALERT_TTL_DAYS: '730',
      LOG_LEVEL: 'INFO',
      POWERTOOLS_SERVICE_NAME: 'peerguard',
      NODE_OPTIONS: '--enable-source-maps',
    });
    const refs = Object.fromEntries(
      ['API_KEYS_TABLE', 'MAIN_TABLE', 'TOKEN_TABLE', 'HMAC_KEY_ID', 'SIGNING_KEY_ID', 'DATA_KEY_ID', 'REVIEWERS_TOPIC_ARN'].map(
        (k) => [k, describeResource(env[k])],
      ),
    );
    expect(refs).toEqual({
      API_KEYS_TABLE: 'ApiKeys',
      MAIN_TABLE: 'Main',
      TOKEN_TABLE: 'TokenIndex',
      HMAC_KEY_ID: 'HmacKey',
      SIGNING_KEY_ID: 'SigningKey',
      DATA_KEY_ID: 'DataKey',
      REVIEWERS_TOPIC_ARN: 'ReviewersTopic',
    });
  });
});

describe('DynamoDB tables', () => {
  it('one table per definition', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', tableDefinitions.length);
  });

  it.each(tableDefinitions.map((def) => [def.id, def] as const))('%s matches its definition', (_, def) => {
    const table = resources[tableIdOf(def)];
    const props = table.Properties;
    expect(props.KeySchema).toEqual(keySchema(def.partitionKey, def.sortKey));
    expect(asArray<Json>(props.GlobalSecondaryIndexes).map((g) => [g.IndexName, g.KeySchema])).toEqual(
      def.globalSecondaryIndexes.map((g) => [g.indexName, keySchema(g.partitionKey, g.sortKey)]),
    );
    const keyAttributes = [def.partitionKey, def.sortKey, ...def.globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey])];
    for (const a of keyAttributes.filter((a): a is KeyAttribute => !!a)) {
      expect(props.AttributeDefinitions).toContainEqual({ AttributeName: a.name, AttributeType: a.type });
    }
    expect(props.TimeToLiveSpecification).toEqual(
      def.timeToLiveAttribute ? { AttributeName: def.timeToLiveAttribute, Enabled: true } : undefined,
    );
    expect(props.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.DeletionPolicy).toBe('Retain');
    expect(props.Replicas.length).toBeGreaterThan(0);
    for (const replica of props.Replicas) {
      expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(replica.DeletionProtectionEnabled).toBe(true);
    }
  });
});

describe('HTTP API', () => {
  const [[authorizerId, authorizer]] = ofType('AWS::ApiGatewayV2::Authorizer') as [[string, Json]];
  const routesByKey = new Map(ofType('AWS::ApiGatewayV2::Route').map(([, r]) => [r.Properties.RouteKey as string, r.Properties]));

  it('has exactly the routes of the route table', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Route', routes.length);
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
      const integration = resources[integrationId].Properties;
      expect(integration.PayloadFormatVersion).toBe('2.0');
      expect(functionWithId(refId(integration.IntegrationUri))).toBe(route.group);
    },
  );

  it('only GET /v1/health is public', () => {
    const publicKeys = [...routesByKey].filter(([, r]) => r.AuthorizationType !== 'CUSTOM').map(([k]) => k);
    expect(publicKeys).toEqual(['GET /v1/health']);
    expect(routesByKey.get('GET /v1/health').AuthorizationType).toBe('NONE');
  });

  it('the authorizer is the authorizer function, simple responses, cached for at most 60 s', () => {
    const props = authorizer.Properties;
    expect(props.AuthorizerType).toBe('REQUEST');
    expect(props.EnableSimpleResponses).toBe(true);
    expect(props.AuthorizerPayloadFormatVersion).toBe('2.0');
    expect(props.IdentitySource).toEqual(['$request.header.Authorization']);
    expect(props.AuthorizerResultTtlInSeconds).toBeLessThanOrEqual(60);
    expect(JSON.stringify(props.AuthorizerUri)).toContain(`"${fn('authorizer').id}"`);
  });

  it('the default stage is throttled and auto-deployed', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    template.hasOutput('ApiUrl', {});
  });
});

describe('IAM least privilege', () => {
  const mainAnd = (...actions: string[]) => actions.flatMap((a) => [`dynamodb:${a} Main`, `dynamodb:${a} Main/index/*`]);
  const xray = ['xray:PutTelemetryRecords *', 'xray:PutTraceSegments *'];
  /** The audit table: what each function may do. Written out here, independently of the stack. */
  const expected: Record<FunctionName, string[]> = {
    authorizer: ['dynamodb:GetItem ApiKeys'],
    health: [],
    admin: ['dynamodb:PutItem ApiKeys', 'dynamodb:UpdateItem ApiKeys', ...mainAnd('PutItem', 'GetItem')],
    clauses: mainAnd('PutItem', 'GetItem', 'Query'),
    alerts: [
      ...mainAnd('GetItem', 'PutItem'),
      'dynamodb:UpdateItem TokenIndex',
      'kms:GenerateMac HmacKey',
      'kms:Sign SigningKey',
      'kms:GenerateDataKey DataKey',
      'kms:Decrypt DataKey',
      'sns:Publish ReviewersTopic',
    ],
    reviews: [
      ...mainAnd('GetItem', 'PutItem', 'Query'),
      'dynamodb:UpdateItem TokenIndex',
      'kms:Sign SigningKey',
      'kms:Decrypt DataKey',
    ],
    checks: ['dynamodb:BatchGetItem TokenIndex', 'kms:GenerateMac HmacKey'],
  };

  it.each(allFunctionNames)('%s has exactly its audited permissions', (name) => {
    expect(permissionsOf(name)).toEqual([...expected[name], ...xray].sort());
  });

  it.each(allFunctionNames)('%s role has only the basic execution managed policy', (name) => {
    const managed = resources[roleOf(name)].Properties.ManagedPolicyArns;
    expect(JSON.stringify(managed)).toMatch(/^\[\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},":iam::aws:policy\/service-role\/AWSLambdaBasicExecutionRole"\]\]\}\]$/);
  });

  it('no identity policy statement uses a wildcard action or NotAction', () => {
    expect(identityStatements.length).toBeGreaterThan(0);
    for (const { statement } of identityStatements) {
      expect(statement.NotAction).toBeUndefined();
      for (const action of asArray(statement.Action)) {
        expect(action).not.toMatch(/\*/); // covers `*`, `kms:*`, `dynamodb:*`, `sns:*`, `kms:GenerateDataKey*`
      }
    }
  });

  it('every identity policy is attached only to Peerguard function roles', () => {
    for (const { roles } of identityStatements) {
      for (const role of roles) expect(functionOfRole(role), role).toBeDefined();
    }
  });

  it('the checks function cannot sign, decrypt, or touch ApiKeys or Main', () => {
    const permissions = permissionsOf('checks');
    expect(permissions.some((p) => p.startsWith('kms:Sign '))).toBe(false);
    expect(permissions.some((p) => p.startsWith('kms:Decrypt '))).toBe(false);
    expect(permissions.filter((p) => p.startsWith('dynamodb:') && (touches(p, 'ApiKeys') || touches(p, 'Main')))).toEqual([]);
  });

  it('only the authorizer can read the ApiKeys table', () => {
    const readsApiKeys = (p: string) => /^dynamodb:(Get|BatchGet|Query|Scan)/.test(p) && touches(p, 'ApiKeys');
    const readers = allFunctionNames.filter((name) => permissionsOf(name).some(readsApiKeys));
    expect(readers).toEqual(['authorizer']);
  });
});
