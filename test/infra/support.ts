import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type { App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { expect } from 'vitest';
import { tableDefinitions, type KeyAttribute, type TableDefinition } from '#shared/adapters/dynamo/tables.ts';
import { functionTag } from '#infra/peerguard-function.ts';
import { functionNames, type FunctionName } from '#infra/grants.ts';
import { buildApp, type BuildOptions } from '#infra/peerguard-stack.ts';
import { webAssetsContextKey, webRoots } from '#infra/web-stack.ts';

/** cdk.json's context: the feature flags and the stage settings, as `cdk synth` sees them. */
export const cdkContext: Record<string, unknown> = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')).context;

export type Json = any; // CloudFormation JSON: checked structurally by the assertions.

export interface Statement {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  Principal?: Json;
  Condition?: Record<string, Record<string, Json>>;
}

export const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The logical id behind `{ Ref }` or `{ Fn::GetAtt: [id, attr] }`. */
export const refId = (value: Json): string | undefined =>
  typeof value?.Ref === 'string' ? value.Ref : Array.isArray(value?.['Fn::GetAtt']) ? value['Fn::GetAtt'][0] : undefined;

const keySchema = (pk: KeyAttribute, sk?: KeyAttribute) => [
  { AttributeName: pk.name, KeyType: 'HASH' },
  ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' }] : []),
];
export { keySchema };

const aliasFriendly: Record<string, string> = {
  hmac: 'HmacKey',
  signing: 'SigningKey',
  data: 'DataKey',
  tables: 'TablesKey',
  messaging: 'MessagingKey',
  logs: 'LogsKey',
  seals: 'SealKey',
};

/** Context that replaces some of one stage's settings in cdk.json (e.g. `{ hmacKeyVersions: ['k1', 'k2'] }`). */
export function stageSettings(stage: string, patch: Record<string, unknown>): Record<string, unknown> {
  const stages = cdkContext['peerguard:stages'] as Record<string, Record<string, unknown>>;
  return { 'peerguard:stages': { ...stages, [stage]: { ...stages[stage], ...patch } } };
}

let builtWebAssets: string | undefined;
/**
 * A stand-in for `dist/`: the console and the API reference as one small page each, so the
 * infra tests run on a fresh clone before anything is built.
 */
export function testWebAssets(): string {
  if (!builtWebAssets) {
    builtWebAssets = mkdtempSync(join(tmpdir(), 'peerguard-web-'));
    for (const root of webRoots) {
      mkdirSync(join(builtWebAssets, root.folder), { recursive: true });
      writeFileSync(
        join(builtWebAssets, root.folder, 'index.html'),
        `<!doctype html><title>${root.folder}</title><script type="module" src="/assets/index.js"></script>`,
      );
    }
  }
  return builtWebAssets;
}

/** cdk.json's context as the infra tests synthesise with it: no bundling, the stand-in web assets. */
export const testContext = (context: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...cdkContext,
  'aws:cdk:bundling-stacks': [],
  [webAssetsContextKey]: testWebAssets(),
  ...context,
});

/**
 * Every stack synthesised once, without bundling (no esbuild run): the skip list
 * `aws:cdk:bundling-stacks` empty means no stack needs its assets bundled.
 */
export function synth(context: Record<string, unknown> = {}, options: BuildOptions = {}) {
  const built = buildApp(
    {
      context: testContext(context),
      builtinCloudFormationValidation: false, // `cdk synth` still runs it; here it only costs seconds
    },
    options,
  );
  const dataTemplate = Template.fromStack(built.data);
  const appTemplate = Template.fromStack(built.stack);
  const edgeTemplate = Template.fromStack(built.edge);
  const webTemplate = Template.fromStack(built.web);
  return { ...built, dataTemplate, appTemplate, edgeTemplate, webTemplate, view: new TemplatesView(dataTemplate.toJSON(), appTemplate.toJSON(), built.stage) };
}

/** Helpers over the two raw templates, naming resources the way the tests speak of them. */
export class TemplatesView {
  readonly dataResources: Record<string, Json>;
  readonly appResources: Record<string, Json>;
  readonly friendly = new Map<string, string>();
  readonly functions: Map<string, { id: string; props: Json }>;

  constructor(
    readonly data: Json,
    readonly app: Json,
    readonly stage: string,
  ) {
    this.dataResources = data.Resources;
    this.appResources = app.Resources;
    this.functions = new Map(
      this.ofType('app', 'AWS::Lambda::Function').flatMap(([id, r]) => {
        const tag = asArray<Json>(r.Properties.Tags).find((t) => t.Key === functionTag);
        return tag ? [[tag.Value as string, { id, props: r.Properties }] as const] : [];
      }),
    );
    for (const def of tableDefinitions) this.friendly.set(this.tableIdOf(def), def.id);
    for (const [, alias] of this.ofType('data', 'AWS::KMS::Alias')) {
      const suffix = String(alias.Properties.AliasName).replace(`alias/peerguard-${stage}-`, '');
      // Token keys after the first: alias `hmac-k2` is `HmacKeyK2` (k1 keeps `hmac`, `HmacKey`).
      const hmacVersion = /^hmac-(k\d+)$/.exec(suffix)?.[1];
      this.friendly.set(refId(alias.Properties.TargetKeyId)!, aliasFriendly[suffix] ?? (hmacVersion ? `HmacKey${hmacVersion.toUpperCase()}` : suffix));
    }
    for (const [id, topic] of this.ofType('data', 'AWS::SNS::Topic')) {
      const name = String(topic.Properties.TopicName).replace(`peerguard-${stage}-`, '');
      this.friendly.set(id, `${name[0]!.toUpperCase()}${name.slice(1)}Topic`);
    }
    for (const [id] of this.ofType('data', 'AWS::SQS::Queue')) this.friendly.set(id, 'NotificationsDlq');
    for (const [id] of this.ofType('app', 'AWS::SQS::Queue')) this.friendly.set(id, 'SweeperDlq');
    for (const [id, bucket] of this.ofType('data', 'AWS::S3::Bucket')) {
      this.friendly.set(id, bucket.Properties.ObjectLockEnabled ? 'SealBucket' : 'AccessLogsBucket');
    }
    for (const [name, fn] of this.functions) {
      this.friendly.set(refId(fn.props.LoggingConfig?.LogGroup)!, `${name}Logs`);
      this.friendly.set(refId(fn.props.Role)!, `${name}Role`);
    }
  }

  ofType(stack: 'data' | 'app', type: string): [string, Json][] {
    return Object.entries(stack === 'data' ? this.dataResources : this.appResources).filter(([, r]) => r.Type === type);
  }

  resource(id: string): Json {
    return this.appResources[id] ?? this.dataResources[id];
  }

  fn(name: FunctionName) {
    const found = this.functions.get(name);
    if (!found) throw new Error(`no function tagged ${name}`);
    return found;
  }

  roleOf(name: FunctionName): string {
    return refId(this.fn(name).props.Role)!;
  }

  tableIdOf(def: TableDefinition): string {
    const matches = this.ofType('data', 'AWS::DynamoDB::Table').filter(
      ([, t]) => JSON.stringify(t.Properties.KeySchema) === JSON.stringify(keySchema(def.partitionKey, def.sortKey)),
    );
    expect(matches, `tables with the key schema of ${def.id}`).toHaveLength(1);
    return matches[0]![0];
  }

  /** The data-stack logical id an `Fn::ImportValue` in the app stack stands for. */
  importedId(value: Json): string | undefined {
    const name = value?.['Fn::ImportValue'];
    if (typeof name !== 'string') return undefined;
    const output = Object.values<Json>(this.data.Outputs ?? {}).find((o) => o.Export?.Name === name);
    return refId(output?.Value);
  }

  /**
   * A readable form of a CloudFormation value: `Main` for the Main table (by Ref, GetAtt or
   * import), `Main/index/gsi1` for an index ARN, `alertsRole` for a role ARN built from its
   * name, `SealBucket/*` for the seal objects; pseudo parameters as `${AWS::Region}`.
   */
  describe(value: Json): string {
    if (typeof value === 'string') return value;
    const id = refId(value) ?? this.importedId(value);
    if (id) return this.friendly.get(id) ?? (id.startsWith('AWS::') ? `\${${id}}` : id);
    const join = value?.['Fn::Join'];
    if (Array.isArray(join)) {
      const text = (join[1] as Json[]).map((part) => this.describe(part)).join(join[0]);
      const role = text.match(/^arn:\$\{AWS::Partition\}:iam::\$\{AWS::AccountId\}:role\/peerguard-[a-z0-9-]+?-([a-z]+)-\$\{AWS::Region\}$/);
      if (role && functionNames.includes(role[1] as FunctionName)) return `${role[1]}Role`;
      const seals = `arn:\${AWS::Partition}:s3:::peerguard-${this.stage}-seals-\${AWS::AccountId}-\${AWS::Region}/*`;
      if (text === seals) return 'SealBucket/*';
      return text;
    }
    return JSON.stringify(value);
  }

  /** Every identity-policy statement, with the roles it is attached to. */
  identityStatements(): { roles: string[]; statement: Statement }[] {
    const all = { ...this.dataResources, ...this.appResources };
    return Object.values<Json>(all)
      .flatMap((r) => {
        if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
          return asArray<Statement>(r.Properties.PolicyDocument.Statement).map((statement) => ({
            roles: asArray<Json>(r.Properties.Roles)
              .map(refId)
              .filter((x): x is string => !!x),
            statement,
          }));
        }
        return [];
      })
      .concat(
        Object.entries(all)
          .filter(([, r]) => r.Type === 'AWS::IAM::Role')
          .flatMap(([roleId, r]) =>
            asArray<Json>(r.Properties.Policies).flatMap((p) =>
              asArray<Statement>(p.PolicyDocument.Statement).map((statement) => ({ roles: [roleId], statement })),
            ),
          ),
      );
  }

  /** A function role's effective Allow permissions as sorted `action resource` pairs. */
  permissionsOf(name: FunctionName): string[] {
    const role = this.roleOf(name);
    const pairs = this.identityStatements()
      .filter((s) => s.roles.includes(role))
      .flatMap(({ statement }) => {
        expect(statement.Effect).toBe('Allow');
        expect(statement.NotAction).toBeUndefined();
        expect(statement.Condition).toBeUndefined();
        return asArray(statement.Action).flatMap((action) => asArray<Json>(statement.Resource).map((r) => `${action} ${this.describe(r)}`));
      });
    return [...new Set(pairs)].sort();
  }

  /** The key policy statements of the key with this friendly name. */
  keyStatements(friendlyName: string): Statement[] {
    const entry = this.ofType('data', 'AWS::KMS::Key').find(([id]) => this.friendly.get(id) === friendlyName);
    if (!entry) throw new Error(`no key ${friendlyName}`);
    return asArray<Statement>(entry[1].Properties.KeyPolicy.Statement);
  }
}

export const placeholderArnPrefix = 'arn:aws:placeholder:eu-west-1:111122223333:';

/**
 * A function's environment as the function would read it once CloudFormation has filled in the
 * values: plain strings as they are, `Fn::Join` joined, and every other value (a reference or an
 * import) an ARN-shaped stand-in naming what it refers to, e.g. `arn:aws:placeholder:eu-west-1:111122223333:HmacKey`.
 */
export function resolvedEnvironment(view: TemplatesView, env: Record<string, Json>): Record<string, string> {
  const resolve = (value: Json): string => {
    if (typeof value === 'string') return value;
    const join = value?.['Fn::Join'];
    if (Array.isArray(join)) return (join[1] as Json[]).map(resolve).join(join[0]);
    return `${placeholderArnPrefix}${view.describe(value)}`;
  };
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, resolve(v)]));
}
/** Unacknowledged findings of both cdk-nag packs, as `rule @ resource path`; run after synthesis, as `cdk synth` does. */
export function nagFindings(app: App): { rule: string; path: string }[] {
  return [new AwsSolutionsChecks(app), new ServerlessChecks(app)].flatMap((pack) =>
    pack.validateScope(app).violations.flatMap((v) => v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? '' }))),
  );
}

export const isAccountRoot = (principal: Json, view: TemplatesView): boolean =>
  view.describe(principal?.AWS) === 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root';
