import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, TableEncryption, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { AnyPrincipal, Effect, PolicyDocument, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage, type KeyProps } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectLockRetention, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { SubscriptionFilter, Topic, Subscription, SubscriptionProtocol } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { tableDefinitions, type KeyAttribute, type TableDefinition } from '#shared/adapters/dynamo/tables.ts';
import {
  auditCopyWriters,
  firstHmacKeyVersion,
  names,
  publishersOf,
  sealWriters,
  topicNames,
  type CryptoKeyName,
  type TableId,
  type TopicName,
} from './grants.ts';
import { dataKeyPolicy, hmacKeyPolicy, logsKeyPolicy, messagingKeyPolicy, sealKeyPolicy, signingKeyPolicy, tablesKeyPolicy } from './key-policies.ts';
import { acknowledge } from './nag.ts';
import type { StageConfig } from './stage-config.ts';

/** Message attribute on every practices-topic publication; HTTPS subscriptions filter on it. */
export const practiceIdAttribute = 'practiceId';

/** One HMAC (token) key and the version label the tokens made with it record. */
export interface HmacKeyVersion {
  readonly version: string;
  readonly key: Key;
}

export interface PeerguardDataStackProps extends StackProps {
  readonly stage: string;
  readonly config: StageConfig;
}

/**
 * Everything that holds state: tables, KMS keys, topics, the notifications dead-letter queue
 * the audit-seal bucket and the audit table's write-once copy. Termination protection on; every resource is retained when the
 * stack or the resource is deleted, and the tables have deletion protection and PITR.
 * The app stack (functions, API, alarms) can be destroyed and redeployed without touching this.
 */
export class PeerguardDataStack extends Stack {
  readonly stage: string;
  /** `hmac` is the current token key: the last of `hmacKeys`. */
  readonly keys: Record<CryptoKeyName, Key>;
  /**
   * Every token key the stage lists (`hmacKeyVersions`), oldest first; the last is current, the
   * others are kept during a rotation's migration window to look up alerts tokenised with them.
   */
  readonly hmacKeys: readonly HmacKeyVersion[];
  readonly tablesKey: Key;
  readonly messagingKey: Key;
  readonly logsKey: Key;
  readonly sealKey: Key;
  readonly tables: Record<TableId, Table>;
  readonly topics: Record<TopicName, Topic>;
  readonly operationsTopic: Topic;
  readonly notificationsDlq: Queue;
  readonly sealBucket: Bucket;
  /** The audit table's write-once copy (Object Lock, COMPLIANCE), written by the archiver from the table's stream. */
  readonly auditCopyBucket: Bucket;
  readonly accessLogsBucket: Bucket;

  constructor(scope: Construct, id: string, props: PeerguardDataStackProps) {
    super(scope, id, { terminationProtection: true, ...props });
    const { stage, config } = props;
    this.stage = stage;

    const key = (name: string, description: string, spec: KeyProps) =>
      new Key(this, `${name[0]!.toUpperCase()}${name.slice(1)}Key`, {
        alias: names.alias(stage, name),
        description: `Peerguard ${stage}: ${description}`,
        removalPolicy: RemovalPolicy.RETAIN,
        pendingWindow: Duration.days(30),
        ...spec,
      });
    // One token key per listed version. k1 keeps the construct id, alias and description it had
    // before rotation existed, so an existing stage's key is never replaced.
    this.hmacKeys = config.hmacKeyVersions.map((version) => ({
      version,
      key: new Key(this, names.hmacKeyId(version), {
        alias: names.hmacAlias(stage, version),
        description: `Peerguard ${stage}: HMAC for identifier tokens${version === firstHmacKeyVersion ? '' : ` (${version})`}`,
        removalPolicy: RemovalPolicy.RETAIN,
        pendingWindow: Duration.days(30),
        keySpec: KeySpec.HMAC_256,
        keyUsage: KeyUsage.GENERATE_VERIFY_MAC,
        policy: hmacKeyPolicy(stage),
      }),
    }));
    this.keys = {
      hmac: this.hmacKeys.at(-1)!.key,
      // The audit key. It keeps its construct id and alias: it signed every statement before statement types.
      signing: key('signing', 'signs audit manifests, checkpoints and seals (and, before the alert key, receipts and publications)', {
        keySpec: KeySpec.ECC_NIST_P256,
        keyUsage: KeyUsage.SIGN_VERIFY,
        policy: signingKeyPolicy(stage, 'signing'),
      }),
      alertSigning: new Key(this, 'AlertSigningKey', {
        alias: names.alias(stage, 'alert-signing'),
        description: `Peerguard ${stage}: signs submission receipts and publications`,
        removalPolicy: RemovalPolicy.RETAIN,
        pendingWindow: Duration.days(30),
        keySpec: KeySpec.ECC_NIST_P256,
        keyUsage: KeyUsage.SIGN_VERIFY,
        policy: signingKeyPolicy(stage, 'alertSigning'),
      }),
      data: key('data', 'envelope encryption of incident summaries', { enableKeyRotation: true, policy: dataKeyPolicy(stage) }),
    };
    this.tablesKey = key('tables', 'DynamoDB tables at rest', { enableKeyRotation: true, policy: tablesKeyPolicy() });
    this.messagingKey = key('messaging', 'SNS topics and the notifications dead-letter queue', {
      enableKeyRotation: true,
      policy: messagingKeyPolicy(stage, Object.fromEntries(topicNames.map((t) => [t, publishersOf(t)]))),
    });
    this.logsKey = key('logs', 'CloudWatch log groups', { enableKeyRotation: true, policy: logsKeyPolicy() });
    this.sealKey = key('seals', "audit seals and the audit table's write-once copy in S3", {
      enableKeyRotation: true,
      policy: sealKeyPolicy(stage, [...sealWriters(), ...auditCopyWriters()]),
    });

    this.tables = Object.fromEntries(tableDefinitions.map((def) => [def.id, this.createTable(def)])) as Record<TableId, Table>;

    const topic = (name: TopicName | 'operations', displayName: string) =>
      new Topic(this, `${name[0]!.toUpperCase()}${name.slice(1)}Topic`, {
        topicName: names.topic(stage, name),
        displayName,
        masterKey: this.messagingKey,
        enforceSSL: true,
        signatureVersion: '2',
      });
    this.topics = {
      reviewers: topic('reviewers', 'Peerguard reviewers'),
      practices: topic('practices', 'Peerguard practices'),
      security: topic('security', 'Peerguard security'),
    };
    for (const t of Object.values(this.topics)) t.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.operationsTopic = topic('operations', 'Peerguard operations');
    this.operationsTopic.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.operationsTopic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.operationsTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );

    this.notificationsDlq = new Queue(this, 'NotificationsDlq', {
      queueName: names.notificationsDlq(stage),
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.messagingKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.notificationsDlq.addToResourcePolicy(
      new PolicyStatement({
        sid: 'PeerguardTopicsDeadLetter',
        principals: [new ServicePrincipal('sns.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.notificationsDlq.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': [...Object.values(this.topics), this.operationsTopic].map((t) => t.topicArn) } },
      }),
    );
    acknowledge(
      this.notificationsDlq,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter queue of the SNS subscriptions (SNS redrive policies, which cdk-nag does not follow); its depth is alarmed.',
    );
    acknowledge(
      this.notificationsDlq,
      'Serverless-SQSRedrivePolicy',
      'A dead-letter queue has no dead-letter queue of its own: messages stay 14 days for an operator to inspect, and its depth is alarmed.',
    );

    this.addSubscriptions(config);

    this.accessLogsBucket = new Bucket(this, 'SealAccessLogsBucket', {
      encryption: BucketEncryption.S3_MANAGED, // S3 server access logging cannot deliver to SSE-KMS buckets
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ expiration: Duration.days(Math.max(365, config.sealRetentionDays)), noncurrentVersionExpiration: Duration.days(30) }],
    });

    // Only the sweeper writes seals, only the archiver writes copies; nobody deletes either (Object Lock also refuses it while locked).
    this.sealBucket = this.writeOnceBucket(config, {
      id: 'SealBucket',
      bucketName: names.sealBucket(stage),
      logPrefix: 'seal-bucket/',
      writers: sealWriters().map((fn) => names.roleArn(stage, fn)),
      sids: { write: 'OnlyTheSweeperWritesSeals', delete: 'NobodyDeletesSeals' },
    });
    this.auditCopyBucket = this.writeOnceBucket(config, {
      id: 'AuditCopyBucket',
      bucketName: names.auditCopyBucket(stage),
      logPrefix: 'audit-copy-bucket/',
      writers: auditCopyWriters().map((fn) => names.roleArn(stage, fn)),
      sids: { write: 'OnlyTheArchiverWritesCopies', delete: 'NobodyDeletesCopies' },
    });

    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    // The admin command (`npm run admin`) writes the first admin key straight into these tables.
    output('ApiKeysTableName', this.tables.ApiKeys.tableName, 'API_KEYS_TABLE for npm run admin');
    output('MainTableName', this.tables.Main.tableName, 'MAIN_TABLE for npm run admin');
    output('AuditTableName', this.tables.Audit.tableName, 'AUDIT_TABLE for npm run admin');
    output('TokenTableName', this.tables.TokenIndex.tableName, 'TOKEN_TABLE');
    output('ReviewersTopicArn', this.topics.reviewers.topicArn, 'Subscribe reviewers (e-mail) here');
    output('PracticesTopicArn', this.topics.practices.topicArn, `Subscribe practices (HTTPS, filter on ${practiceIdAttribute}) here`);
    output('SecurityTopicArn', this.topics.security.topicArn, 'Subscribe the security contact (e-mail) here');
    output('OperationsTopicArn', this.operationsTopic.topicArn, 'Alarms are sent here: subscribe the on-call operator');
    output('NotificationsDlqArn', this.notificationsDlq.queueArn, 'Dead-letter queue for every subscription (RedrivePolicy)');
    output('SealBucketName', this.sealBucket.bucketName, 'Audit seals (Object Lock, COMPLIANCE)');
    output('AuditCopyBucketName', this.auditCopyBucket.bucketName, "The audit table's write-once copy (Object Lock, COMPLIANCE)");
    for (const { version, key: hmacKey } of this.hmacKeys) {
      const current = hmacKey === this.keys.hmac;
      output(
        `HmacKey${version.toUpperCase()}Arn`,
        hmacKey.keyArn,
        `Token key ${version} (${current ? 'current' : 'replaced: lookups only, until its alerts expire'}); note it before retiring the version`,
      );
    }
  }

  /**
   * `Table` (AWS::DynamoDB::Table), not `TableV2`: TableV2 renders a customer managed key per
   * replica region, which needs a region-specific stack, and these stacks stay environment-agnostic.
   */
  /**
   * A write-once bucket under the seal key: Object Lock in compliance mode for the seals' retention,
   * named (so the app stack's policies name it without a cross-stack import), writable only by
   * `writers`' roles, and deletable by nobody.
   */
  private writeOnceBucket(
    config: StageConfig,
    spec: { id: string; bucketName: string; logPrefix: string; writers: string[]; sids: { write: string; delete: string } },
  ): Bucket {
    const bucket = new Bucket(this, spec.id, {
      bucketName: spec.bucketName,
      encryption: BucketEncryption.KMS,
      encryptionKey: this.sealKey,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention: ObjectLockRetention.compliance(Duration.days(config.sealRetentionDays)),
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: spec.logPrefix,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: spec.sids.write,
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects('*')],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': spec.writers } },
      }),
    );
    bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: spec.sids.delete,
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
        resources: [bucket.arnForObjects('*')],
      }),
    );
    return bucket;
  }

  private createTable(def: TableDefinition): Table {
    const attribute = ({ name, type }: KeyAttribute): Attribute => ({
      name,
      type: type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
    });
    const table = new Table(this, `${def.id}Table`, {
      partitionKey: attribute(def.partitionKey),
      sortKey: def.sortKey && attribute(def.sortKey),
      timeToLiveAttribute: def.timeToLiveAttribute,
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.tablesKey,
      removalPolicy: RemovalPolicy.RETAIN,
      ...(def.stream ? { stream: StreamViewType[def.stream] } : {}),
      ...(def.id === 'Audit' ? { resourcePolicy: auditTablePolicy() } : {}),
    });
    for (const gsi of def.globalSecondaryIndexes) {
      table.addGlobalSecondaryIndex({
        indexName: gsi.indexName,
        partitionKey: attribute(gsi.partitionKey),
        sortKey: attribute(gsi.sortKey),
        ...(gsi.include ? { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...gsi.include] } : {}),
      });
    }
    return table;
  }

  /** Subscriptions declared in the stage settings; each has the dead-letter queue. */
  private addSubscriptions(config: StageConfig): void {
    const { reviewerEmails, securityEmails, operationsEmails, practiceEndpoints } = config.subscriptions;
    const email = (topic: Topic, prefix: string, addresses: readonly string[]) =>
      addresses.forEach(
        (address, i) =>
          new Subscription(this, `${prefix}Email${i + 1}`, {
            topic,
            protocol: SubscriptionProtocol.EMAIL,
            endpoint: address,
            deadLetterQueue: this.notificationsDlq,
          }),
      );
    email(this.topics.reviewers, 'Reviewer', reviewerEmails);
    email(this.topics.security, 'Security', securityEmails);
    email(this.operationsTopic, 'Operations', operationsEmails);
    for (const { practiceId, url } of practiceEndpoints) {
      practiceSubscription(this, this.topics.practices, practiceId, url, this.notificationsDlq);
    }
  }
}

/** Actions that change or delete an existing item, and how a batch or PartiQL statement does the same. */
export const auditItemRewriteActions = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
] as const;

/**
 * The audit table's resource policy: nobody, whatever their IAM policies say, may update or delete
 * an entry (nor write in batches or through PartiQL). Entries are only ever Put, conditionally, in
 * the action's own transaction; a Put over an existing entry is still possible for a role that may
 * Put (IAM cannot require the condition), and the archiver reports it from the table's stream.
 */
export const auditTablePolicy = () =>
  new PolicyDocument({
    statements: [
      new PolicyStatement({
        sid: 'NobodyRewritesAuditEntries',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: [...auditItemRewriteActions],
        resources: ['*'],
      }),
    ],
  });

/**
 * A practice's HTTPS endpoint on the practices topic, receiving only the messages whose
 * `practiceId` message attribute is its own.
 */
export function practiceSubscription(scope: Construct, topic: Topic, practiceId: string, url: string, dlq: Queue): Subscription {
  return new Subscription(scope, `Practice-${practiceId}`, {
    topic,
    protocol: SubscriptionProtocol.HTTPS,
    endpoint: url,
    filterPolicy: { [practiceIdAttribute]: SubscriptionFilter.stringFilter({ allowlist: [practiceId] }) },
    deadLetterQueue: dlq,
  });
}
