import { Aws } from 'aws-cdk-lib';
import { indexNames, type TableDefinition } from '#shared/adapters/dynamo/tables.ts';
import { functionGroups, type FunctionGroup } from '#shared/routes.ts';

/**
 * One Lambda per route group, plus the authorizer, the scheduled sweeper and the rescreener (the
 * practices topic's publications start it). The entry is `functions/<name>.ts`.
 */
export type FunctionName = FunctionGroup | 'authorizer' | 'sweeper' | 'rescreener';
export const functionNames: readonly FunctionName[] = [...functionGroups, 'authorizer', 'sweeper', 'rescreener'];

export type TableId = TableDefinition['id'];
export type CryptoKeyName = 'hmac' | 'signing' | 'data';
export type TopicName = 'reviewers' | 'practices' | 'security';
export const topicNames: readonly TopicName[] = ['reviewers', 'practices', 'security'];

type Dynamo<A extends string> = `dynamodb:${A}`;
type ItemRead = Dynamo<'GetItem' | 'BatchGetItem' | 'Query'>;
type ItemWrite = Dynamo<'PutItem' | 'UpdateItem' | 'DeleteItem' | 'ConditionCheckItem' | 'BatchWriteItem'>;

/**
 * What a function may do, beyond writing its own log group and X-Ray segments. Explicit actions
 * only: TransactWriteItems is authorised per item by PutItem/UpdateItem/ConditionCheckItem.
 * `dynamodb:Query` also covers each of the table's indexes (named one by one, no `/index/*`).
 *
 * The types keep the audit table append-only (no UpdateItem/DeleteItem can be written for it)
 * and each KMS key to the operations of its kind.
 *
 * Implied by this table (and written out in test/infra/stack.test.ts):
 * - `publish` also grants `kms:GenerateDataKey` and `kms:Decrypt` on the messaging key, which
 *   SNS needs to encrypt the message, and the key policy admits the role only through SNS and
 *   only for the topics it publishes to;
 * - `sealBucket` also grants `kms:GenerateDataKey` on the seal key (SSE-KMS), through S3 only.
 */
export interface FunctionGrants {
  readonly tables?: {
    readonly ApiKeys?: readonly (ItemRead | ItemWrite)[];
    readonly Main?: readonly (ItemRead | ItemWrite)[];
    readonly TokenIndex?: readonly (ItemRead | ItemWrite)[];
    /** Append-only: hash chain entries are Put with a condition, never updated or deleted. */
    readonly Audit?: readonly (ItemRead | Dynamo<'PutItem' | 'ConditionCheckItem'>)[];
  };
  /**
   * Indexes the function may Query without any access to their table's items: the admin lists
   * keys from the keys-by-role index, which holds no secret hash, and never reads ApiKeys itself.
   */
  readonly indexes?: { readonly [T in TableId]?: readonly string[] };
  readonly keys?: {
    readonly hmac?: readonly 'kms:GenerateMac'[];
    readonly signing?: readonly ('kms:Sign' | 'kms:GetPublicKey')[];
    readonly data?: readonly ('kms:GenerateDataKey' | 'kms:Decrypt')[];
  };
  /**
   * The encryption contexts (`purpose`) the data key is used for, which the key policy enforces;
   * `incident-summary` unless named.
   */
  readonly dataKeyPurposes?: readonly DataKeyPurpose[];
  readonly publish?: readonly TopicName[];
  readonly sealBucket?: readonly 's3:PutObject'[];
}

/** The one audited table of permissions. Changing a line here changes the roles and the key policies. */
export const functionGrants: Record<FunctionName, FunctionGrants> = {
  authorizer: { tables: { ApiKeys: ['dynamodb:GetItem'] } },
  health: {},
  admin: {
    tables: {
      ApiKeys: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
      // Query: the practices (by-kind index) and the security notices; BatchGetItem: the overview's and the statistics' counters.
      Main: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'],
      Audit: ['dynamodb:PutItem', 'dynamodb:Query'],
    },
    indexes: { ApiKeys: [indexNames.keysByRole] },
  },
  clauses: {
    tables: {
      Main: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query'],
      Audit: ['dynamodb:PutItem', 'dynamodb:Query'],
    },
  },
  alerts: {
    tables: {
      // An alert and its idempotency record are written with conditional Puts (in one transaction), the network's
      // alert counts moved with UpdateItem; lists Query the by-kind index and read their page with BatchGetItem.
      Main: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'],
      TokenIndex: ['dynamodb:UpdateItem'],
      Audit: ['dynamodb:PutItem', 'dynamodb:Query'],
    },
    keys: { hmac: ['kms:GenerateMac'], signing: ['kms:Sign'], data: ['kms:GenerateDataKey', 'kms:Decrypt'] },
    publish: ['reviewers', 'practices'],
  },
  reviews: {
    tables: {
      // PutItem: a decision rewrites the whole alert item (conditional Put on its version) and lists it under the
      // reviewer; UpdateItem: the network's alert counts; BatchGetItem: the decided list's alerts.
      Main: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'],
      TokenIndex: ['dynamodb:UpdateItem'],
      Audit: ['dynamodb:PutItem', 'dynamodb:Query'],
    },
    keys: { signing: ['kms:Sign'], data: ['kms:Decrypt'] },
    publish: ['practices'],
  },
  checks: {
    tables: {
      TokenIndex: ['dynamodb:BatchGetItem'],
      // Quota counters (UpdateItem in the check's transaction, with the network's day counter; GetItem to tell a
      // new minute from a spent quota), refusal notices and the notification outbox (PutItem), the statistics'
      // notice counters (UpdateItem).
      Main: ['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:GetItem'],
      Audit: ['dynamodb:PutItem', 'dynamodb:Query'],
    },
    keys: { hmac: ['kms:GenerateMac'] },
    publish: ['security'],
  },
  integrations: {
    tables: {
      TokenIndex: ['dynamodb:BatchGetItem'],
      // Integrations (PutItem in the audited transaction; GetItem), each delivery's claim and answer
      // (PutItem, GetItem, UpdateItem, DeleteItem), quota counters and the notification outbox as for checks;
      // GetItem also finds the practice.
      Main: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      Audit: ['dynamodb:PutItem', 'dynamodb:Query'],
    },
    keys: { hmac: ['kms:GenerateMac'], data: ['kms:GenerateDataKey', 'kms:Decrypt'] },
    // The key policy lets this function use the data key only for integration secrets (not incident summaries).
    dataKeyPurposes: ['integration-secret'],
    publish: ['practices', 'security'],
  },
  bookings: {
    tables: {
      TokenIndex: ['dynamodb:BatchGetItem'],
      // A registration is screened like a check (quota counters, refusal notices, outbox, as for checks); its item is
      // Put with its audit entry and its token → registration index items BatchWritten (deleted on cancel); a list
      // Queries the practice's partition; the digest opt-in is an UpdateItem with its audit entry, read with GetItem.
      Main: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:BatchWriteItem'],
      Audit: ['dynamodb:PutItem', 'dynamodb:Query'],
    },
    keys: { hmac: ['kms:GenerateMac'] },
    publish: ['security'],
  },
  rescreener: {
    tables: {
      // GetItem: the alert; Query: one token → registration index partition per token of the alert; BatchGetItem:
      // the registrations found; PutItem: their matches and the outbox; UpdateItem: the reporters' match counts.
      Main: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      Audit: ['dynamodb:PutItem', 'dynamodb:Query'],
    },
    publish: ['practices'],
  },
  audit: {
    tables: { Audit: ['dynamodb:Query', 'dynamodb:PutItem'] },
    keys: { signing: ['kms:Sign', 'kms:GetPublicKey'], hmac: ['kms:GenerateMac'] },
  },
  sweeper: {
    tables: {
      // UpdateItem: an expired alert moves the network's alert counts, and a digest day is marked sent;
      // BatchWriteItem: an expired booking registration's index items and matches are deleted.
      Main: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
      TokenIndex: ['dynamodb:UpdateItem'],
      Audit: ['dynamodb:PutItem', 'dynamodb:Query'],
    },
    keys: { signing: ['kms:Sign'] },
    publish: ['reviewers', 'practices', 'security'],
    sealBucket: ['s3:PutObject'],
  },
};

/** The functions granted `action` on crypto key `key`, in a stable order. */
export function functionsWithKeyAction(key: CryptoKeyName, action: string): FunctionName[] {
  return functionNames.filter((name) => (functionGrants[name].keys?.[key] as readonly string[] | undefined)?.includes(action));
}

export const dataKeyPurposes = ['incident-summary', 'integration-secret'] as const;
export type DataKeyPurpose = (typeof dataKeyPurposes)[number];

/** The functions granted `action` on the data key for encryption contexts of `purpose`. */
export function functionsWithDataKeyAction(purpose: DataKeyPurpose, action: 'kms:GenerateDataKey' | 'kms:Decrypt'): FunctionName[] {
  return functionsWithKeyAction('data', action).filter((name) => (functionGrants[name].dataKeyPurposes ?? ['incident-summary']).includes(purpose));
}

export function publishersOf(topic: TopicName): FunctionName[] {
  return functionNames.filter((name) => functionGrants[name].publish?.includes(topic));
}

export function sealWriters(): FunctionName[] {
  return functionNames.filter((name) => functionGrants[name].sealBucket?.includes('s3:PutObject'));
}

/** The version label of the token key every stage started with (and tokens without a label were made with). */
export const firstHmacKeyVersion = 'k1';

/**
 * Names both stacks compute without referring to each other, so the key and bucket policies in
 * the data stack can name the function roles of the app stack (no cyclic cross-stack reference).
 * Role names carry the region: IAM is global, and a stage may be deployed to two regions.
 */
export const names = {
  dataStack: (stage: string) => `Peerguard-${stage}-data`,
  appStack: (stage: string) => `Peerguard-${stage}`,
  /** Always in us-east-1: the CloudFront web ACL. */
  edgeStack: (stage: string) => `Peerguard-${stage}-edge`,
  webStack: (stage: string) => `Peerguard-${stage}-web`,
  role: (stage: string, fn: FunctionName) => `peerguard-${stage}-${fn}-${Aws.REGION}`,
  roleArn: (stage: string, fn: FunctionName) => `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/${names.role(stage, fn)}`,
  topic: (stage: string, topic: TopicName | 'operations') => `peerguard-${stage}-${topic}`,
  topicArn: (stage: string, topic: TopicName | 'operations') => `arn:${Aws.PARTITION}:sns:${Aws.REGION}:${Aws.ACCOUNT_ID}:${names.topic(stage, topic)}`,
  notificationsDlq: (stage: string) => `peerguard-${stage}-notifications-dlq`,
  notificationsDlqArn: (stage: string) => `arn:${Aws.PARTITION}:sqs:${Aws.REGION}:${Aws.ACCOUNT_ID}:${names.notificationsDlq(stage)}`,
  alias: (stage: string, key: string) => `alias/peerguard-${stage}-${key}`,
  /** The first token key (`k1`) keeps the alias it always had; later versions carry theirs in the name. */
  hmacAlias: (stage: string, version: string) => names.alias(stage, version === firstHmacKeyVersion ? 'hmac' : `hmac-${version}`),
  /** Construct id of a token key: `HmacKey` for k1 (its logical id must never change), `HmacKeyK2` … */
  hmacKeyId: (version: string) => (version === firstHmacKeyVersion ? 'HmacKey' : `HmacKey${version.toUpperCase()}`),
  /** Globally unique: at most 63 characters with an 18-character stage and the longest region names. */
  sealBucket: (stage: string) => `peerguard-${stage}-seals-${Aws.ACCOUNT_ID}-${Aws.REGION}`,
  sealObjectsArn: (stage: string) => `arn:${Aws.PARTITION}:s3:::${names.sealBucket(stage)}/*`,
};
