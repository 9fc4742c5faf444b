import { App, type AppProps, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpNoneAuthorizer, PayloadFormatVersion } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, Billing, TableEncryptionV2, TableV2, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { Key, KeySpec, KeyUsage, type KeyProps } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { AwsConfig } from '#shared/config.ts';
import { tableDefinitions, type KeyAttribute, type TableDefinition } from '#shared/adapters/dynamo/tables.ts';
import { functionGroups, routes, type RouteDefinition } from '#shared/routes.ts';
import { PeerguardFunction, type FunctionName } from './peerguard-function.ts';

type TableId = TableDefinition['id'];
type KeyName = 'hmac' | 'signing' | 'data';

interface FunctionGrants {
  readonly tables?: Partial<Record<TableId, readonly string[]>>;
  readonly keys?: Partial<Record<KeyName, readonly string[]>>;
  readonly reviewersTopic?: readonly string[];
}

/**
 * Every permission a function gets, beyond logs and X-Ray. Explicit actions only:
 * TransactWriteItems is authorised per item by PutItem/UpdateItem/ConditionCheckItem.
 * Table grants cover the table's indexes (`<tableArn>/index/*`) when it has any.
 */
export const functionGrants: Record<FunctionName, FunctionGrants> = {
  authorizer: { tables: { ApiKeys: ['dynamodb:GetItem'] } },
  health: {},
  admin: {
    tables: { ApiKeys: ['dynamodb:PutItem', 'dynamodb:UpdateItem'], Main: ['dynamodb:PutItem', 'dynamodb:GetItem'] },
  },
  clauses: { tables: { Main: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query'] } },
  alerts: {
    tables: {
      // An alert and its idempotency record are written with conditional Puts (in one transaction).
      Main: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      TokenIndex: ['dynamodb:UpdateItem'],
    },
    keys: { hmac: ['kms:GenerateMac'], signing: ['kms:Sign'], data: ['kms:GenerateDataKey', 'kms:Decrypt'] },
    reviewersTopic: ['sns:Publish'],
  },
  reviews: {
    tables: {
      // PutItem: a decision rewrites the whole alert item (conditional Put on its version).
      Main: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      TokenIndex: ['dynamodb:UpdateItem'],
    },
    keys: { signing: ['kms:Sign'], data: ['kms:Decrypt'] },
  },
  checks: { tables: { TokenIndex: ['dynamodb:BatchGetItem'] }, keys: { hmac: ['kms:GenerateMac'] } },
};

export interface PeerguardStackProps extends StackProps {
  /** Deployment stage, e.g. `dev`; part of the stack name and the key aliases. */
  readonly stage: string;
}

export class PeerguardStack extends Stack {
  readonly tables: Record<TableId, TableV2>;
  readonly keys: Record<KeyName, Key>;
  readonly reviewersTopic: Topic;
  readonly functions: Record<FunctionName, PeerguardFunction>;
  readonly api: HttpApi;

  constructor(scope: Construct, id: string, props: PeerguardStackProps) {
    super(scope, id, props);
    const { stage } = props;

    this.tables = Object.fromEntries(tableDefinitions.map((def) => [def.id, this.createTable(def)])) as Record<
      TableId,
      TableV2
    >;

    const key = (name: KeyName, description: string, spec: KeyProps) =>
      new Key(this, `${name[0]!.toUpperCase()}${name.slice(1)}Key`, {
        alias: `alias/peerguard-${stage}-${name}`,
        description: `Peerguard ${stage}: ${description}`,
        removalPolicy: RemovalPolicy.RETAIN,
        ...spec,
      });
    this.keys = {
      hmac: key('hmac', 'HMAC for identifier tokens', {
        keySpec: KeySpec.HMAC_256,
        keyUsage: KeyUsage.GENERATE_VERIFY_MAC,
      }),
      signing: key('signing', 'signs receipts and publications', {
        keySpec: KeySpec.ECC_NIST_P256,
        keyUsage: KeyUsage.SIGN_VERIFY,
      }),
      data: key('data', 'envelope encryption of incident text', { enableKeyRotation: true }),
    };

    this.reviewersTopic = new Topic(this, 'ReviewersTopic', {
      displayName: `Peerguard ${stage} reviewers`,
      enforceSSL: true,
    });

    const environment = {
      PEERGUARD_RUNTIME: 'aws',
      API_KEYS_TABLE: this.tables.ApiKeys.tableName,
      MAIN_TABLE: this.tables.Main.tableName,
      TOKEN_TABLE: this.tables.TokenIndex.tableName,
      HMAC_KEY_ID: this.keys.hmac.keyArn,
      SIGNING_KEY_ID: this.keys.signing.keyArn,
      DATA_KEY_ID: this.keys.data.keyArn,
      REVIEWERS_TOPIC_ARN: this.reviewersTopic.topicArn,
      PHONE_DEFAULT_REGION: 'US',
      ALERT_TTL_DAYS: '730',
      LOG_LEVEL: 'INFO',
      POWERTOOLS_SERVICE_NAME: 'peerguard',
    } satisfies Partial<Record<keyof AwsConfig, string>> & { POWERTOOLS_SERVICE_NAME: string };

    const names: FunctionName[] = [...functionGroups, 'authorizer'];
    this.functions = Object.fromEntries(
      names.map((name) => [name, this.createFunction(name, environment)]),
    ) as Record<FunctionName, PeerguardFunction>;

    this.api = this.createApi(stage);
  }

  private createTable(def: TableDefinition): TableV2 {
    const attribute = ({ name, type }: KeyAttribute): Attribute => ({
      name,
      type: type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
    });
    return new TableV2(this, `${def.id}Table`, {
      partitionKey: attribute(def.partitionKey),
      sortKey: def.sortKey && attribute(def.sortKey),
      globalSecondaryIndexes: def.globalSecondaryIndexes.map((gsi) => ({
        indexName: gsi.indexName,
        partitionKey: attribute(gsi.partitionKey),
        sortKey: attribute(gsi.sortKey),
      })),
      timeToLiveAttribute: def.timeToLiveAttribute,
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: TableEncryptionV2.awsManagedKey(),
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  private createFunction(name: FunctionName, environment: Record<string, string>): PeerguardFunction {
    const id = `${name[0]!.toUpperCase()}${name.slice(1)}Function`;
    const fn = new PeerguardFunction(this, id, { name, environment, description: `Peerguard ${name}` });
    const grants = functionGrants[name];
    for (const [table, actions] of Object.entries(grants.tables ?? {}) as [TableId, string[]][]) {
      this.tables[table].grant(fn, ...actions);
    }
    for (const [key, actions] of Object.entries(grants.keys ?? {}) as [KeyName, string[]][]) {
      this.keys[key].grant(fn, ...actions);
    }
    if (grants.reviewersTopic) this.reviewersTopic.grants.actions(fn, [...grants.reviewersTopic]);
    return fn;
  }

  private createApi(stage: string): HttpApi {
    const api = new HttpApi(this, 'HttpApi', {
      apiName: `peerguard-${stage}`,
      createDefaultStage: false,
    });
    const defaultStage = api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 50, burstLimit: 100 },
    });

    // The authorizer always allows; it tells the handler, via its context, whether the key is
    // valid, so the handler can answer a problem+json 401 (a denial would be a bare 403).
    // A cached answer lives at most 60 s: a revoked key stops working within that.
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
      api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrationFor(route.group),
        authorizer: route.auth === 'none' ? new HttpNoneAuthorizer() : authorizer,
      });
    }

    new CfnOutput(this, 'ApiUrl', { value: defaultStage.url, description: 'Base URL of the Peerguard HTTP API' });
    // The admin command (`npm run admin`) writes the first admin key straight into these tables.
    new CfnOutput(this, 'ApiKeysTableName', { value: this.tables.ApiKeys.tableName, description: 'API_KEYS_TABLE for npm run admin' });
    new CfnOutput(this, 'MainTableName', { value: this.tables.Main.tableName, description: 'MAIN_TABLE for npm run admin' });
    return api;
  }
}

/**
 * The app and its one stack, constructed without synthesising (`infra/app.ts` runs this under
 * the CLI; tests pass their own context). Context `stage` selects the stage, default `dev`.
 */
export function buildApp(props: AppProps = {}): { app: App; stack: PeerguardStack } {
  const app = new App(props);
  const stage = String(app.node.tryGetContext('stage') ?? 'dev');
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
    throw new Error(`Invalid stage "${stage}": lower-case letters, digits and dashes, starting with a letter`);
  }
  const stack = new PeerguardStack(app, 'Peerguard', {
    stackName: `Peerguard-${stage}`,
    stage,
    description: `Peerguard safety-alert network (${stage})`,
  });
  return { app, stack };
}
