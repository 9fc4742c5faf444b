import { describe, expect, it } from 'vitest';
import { tableDefinitions, type KeyAttribute } from '#shared/adapters/dynamo/tables.ts';
import { functionNames, functionGrants, type FunctionName } from '#infra/grants.ts';
import { keyAdministrationActions } from '#infra/key-policies.ts';
import { secretContext } from '#shared/domain/integrations.ts';
import { asArray, cdkContext, isAccountRoot, keySchema, synth, type Json, type Statement } from './support.ts';

const built = synth();
const { view, dataTemplate, config } = built;

const rolesIn = (statement: Statement): string[] =>
  asArray<Json>(statement.Condition?.ArnEquals?.['aws:PrincipalArn'])
    .map((arn) => view.describe(arn))
    .sort();
const roles = (...fns: FunctionName[]) => fns.map((fn) => `${fn}Role`).sort();
const actionsOf = (statement: Statement) => asArray(statement.Action).sort();
const statefulTypes = ['AWS::DynamoDB::Table', 'AWS::KMS::Key', 'AWS::SNS::Topic', 'AWS::SQS::Queue', 'AWS::S3::Bucket'];

describe('stateful stack', () => {
  it('has termination protection; the stateless stack holds nothing stateful', () => {
    expect(built.data.terminationProtection).toBe(true);
    expect(built.stack.terminationProtection).toBe(false);
    for (const type of ['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable', 'AWS::KMS::Key', 'AWS::SNS::Topic', 'AWS::S3::Bucket']) {
      expect(view.ofType('app', type), type).toEqual([]);
    }
  });

  it('retains every stateful resource on deletion and on replacement', () => {
    const stateful = Object.entries(view.dataResources).filter(([, r]) => statefulTypes.includes(r.Type));
    expect(stateful.length).toBe(4 + 7 + 4 + 1 + 2);
    for (const [id, r] of stateful) {
      expect(r.DeletionPolicy, id).toBe('Retain');
      expect(r.UpdateReplacePolicy, id).toBe('Retain');
    }
  });

  it.each(tableDefinitions.map((def) => [def.id, def] as const))('table %s matches its definition', (_, def) => {
    const table = view.dataResources[view.tableIdOf(def)];
    const props = table.Properties;
    expect(props.KeySchema).toEqual(keySchema(def.partitionKey, def.sortKey));
    expect(asArray<Json>(props.GlobalSecondaryIndexes).map((g) => [g.IndexName, g.KeySchema, g.Projection])).toEqual(
      def.globalSecondaryIndexes.map((g) => [
        g.indexName,
        keySchema(g.partitionKey, g.sortKey),
        g.include ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...g.include] } : { ProjectionType: 'ALL' },
      ]),
    );
    const keyAttributes = [def.partitionKey, def.sortKey, ...def.globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey])];
    for (const a of keyAttributes.filter((a): a is KeyAttribute => !!a)) {
      expect(props.AttributeDefinitions).toContainEqual({ AttributeName: a.name, AttributeType: a.type });
    }
    expect(props.TimeToLiveSpecification).toEqual(def.timeToLiveAttribute ? { AttributeName: def.timeToLiveAttribute, Enabled: true } : undefined);
    expect(props.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it.each(tableDefinitions.map((def) => def.id))('table %s has deletion protection, PITR and the tables CMK', (id) => {
    const props = view.dataResources[view.tableIdOf(tableDefinitions.find((d) => d.id === id)!)].Properties;
    expect(props.DeletionProtectionEnabled).toBe(true);
    expect(props.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(props.SSESpecification.SSEEnabled).toBe(true);
    expect(props.SSESpecification.SSEType).toBe('KMS');
    expect(view.describe(props.SSESpecification.KMSMasterKeyId)).toBe('TablesKey');
  });

  it('outputs the table names, topic ARNs and seal bucket an operator needs', () => {
    for (const output of [
      'ApiKeysTableName',
      'MainTableName',
      'AuditTableName',
      'TokenTableName',
      'ReviewersTopicArn',
      'PracticesTopicArn',
      'SecurityTopicArn',
      'OperationsTopicArn',
      'NotificationsDlqArn',
      'SealBucketName',
      'HmacKeyK1Arn',
    ]) {
      dataTemplate.hasOutput(output, {});
    }
    expect(view.describe(view.data.Outputs.AuditTableName.Value)).toBe('Audit');
  });
});

describe('KMS keys', () => {
  const keys = view.ofType('data', 'AWS::KMS::Key');

  it('are the three application keys and four customer managed storage keys, each aliased', () => {
    expect(keys.map(([id]) => view.friendly.get(id)).sort()).toEqual(
      ['DataKey', 'HmacKey', 'LogsKey', 'MessagingKey', 'SealKey', 'SigningKey', 'TablesKey'].sort(),
    );
    const aliases = view
      .ofType('data', 'AWS::KMS::Alias')
      .map(([, a]) => a.Properties.AliasName)
      .sort();
    expect(aliases).toEqual(['data', 'hmac', 'logs', 'messaging', 'seals', 'signing', 'tables'].map((k) => `alias/peerguard-dev-${k}`));
  });

  it('HMAC key is HMAC_256 for GENERATE_VERIFY_MAC; signing key is ECC_NIST_P256 for SIGN_VERIFY', () => {
    dataTemplate.hasResourceProperties('AWS::KMS::Key', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    dataTemplate.hasResourceProperties('AWS::KMS::Key', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
  });

  it('symmetric keys rotate; all have a 30-day deletion window', () => {
    for (const [id, key] of keys) {
      expect(key.Properties.PendingWindowInDays, id).toBe(30);
      if (key.Properties.KeySpec === undefined) expect(key.Properties.EnableKeyRotation, view.friendly.get(id)).toBe(true);
    }
  });

  it('only the account root administers a key, and administration includes no cryptographic operation', () => {
    expect(keyAdministrationActions.filter((a) => /Encrypt|Decrypt|Sign|Verify|Mac|GenerateDataKey|PublicKey|CreateGrant/.test(a))).toEqual([]);
    for (const [id] of keys) {
      const statements = view.keyStatements(view.friendly.get(id)!);
      const admin = statements.filter((s) => s.Sid === 'AccountRootAdministersOnly');
      expect(admin, id).toHaveLength(1);
      expect(isAccountRoot(admin[0]!.Principal, view)).toBe(true);
      expect(actionsOf(admin[0]!)).toEqual([...keyAdministrationActions].sort());
      for (const s of statements) {
        expect(s.Effect).toBe('Allow');
        for (const action of actionsOf(s)) {
          expect(action, `${view.friendly.get(id)} ${s.Sid}`).not.toContain('*');
          if ((keyAdministrationActions as readonly string[]).includes(action) && action !== 'kms:DescribeKey') {
            expect(s.Sid, `${action} outside the administration statement`).toBe('AccountRootAdministersOnly');
          }
        }
      }
    }
  });

  it('the HMAC key allows only GenerateMac with HMAC_SHA_256, to the functions that compute tokens', () => {
    const [, use, ...rest] = view.keyStatements('HmacKey');
    expect(rest).toEqual([]);
    expect(actionsOf(use!)).toEqual(['kms:GenerateMac']);
    expect(isAccountRoot(use!.Principal, view)).toBe(true);
    expect(use!.Condition!.StringEquals).toEqual({ 'kms:MacAlgorithm': 'HMAC_SHA_256' });
    expect(rolesIn(use!)).toEqual(roles('alerts', 'checks', 'audit', 'integrations', 'bookings'));
  });

  it('the signing key allows Sign (ECDSA_SHA_256, RAW) to the signers and GetPublicKey to the audit function only', () => {
    const statements = view.keyStatements('SigningKey').slice(1);
    expect(statements.map((s) => [actionsOf(s), rolesIn(s), s.Condition?.StringEquals])).toEqual([
      [['kms:Sign'], roles('alerts', 'reviews', 'audit', 'sweeper'), { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'RAW' }],
      [['kms:GetPublicKey'], roles('audit'), undefined],
    ]);
  });

  it('the data key allows GenerateDataKey and Decrypt for summaries to the alert functions, for integration secrets to the integrations function', () => {
    const statements = view.keyStatements('DataKey').slice(1);
    const summary = { 'kms:EncryptionContext:purpose': 'incident-summary' };
    const secret = { 'kms:EncryptionContext:purpose': secretContext('prc_x', 'calcom-webhook-secret').purpose };
    expect(secret['kms:EncryptionContext:purpose']).toBe('integration-secret');
    expect(statements.map((s) => [actionsOf(s), rolesIn(s), s.Condition?.StringEquals])).toEqual([
      [['kms:GenerateDataKey'], roles('alerts'), summary],
      [['kms:Decrypt'], roles('alerts', 'reviews'), summary],
      [['kms:GenerateDataKey'], roles('integrations'), secret],
      [['kms:Decrypt'], roles('integrations'), secret],
    ]);
  });

  it('the tables key is usable only through DynamoDB by this account', () => {
    const [, use, ...rest] = view.keyStatements('TablesKey');
    expect(rest).toEqual([]);
    expect(use!.Principal).toEqual({ AWS: '*' });
    expect(view.describe(use!.Condition!.StringEquals!['kms:CallerAccount'])).toBe('${AWS::AccountId}');
    expect(view.describe(use!.Condition!.StringEquals!['kms:ViaService'])).toBe('dynamodb.${AWS::Region}.amazonaws.com');
  });

  it('the messaging key lets each publisher encrypt only for its own topics, through SNS', () => {
    const statements = view.keyStatements('MessagingKey');
    for (const topic of ['reviewers', 'practices', 'security'] as const) {
      const sid = `PublishTo${topic[0]!.toUpperCase()}${topic.slice(1)}Topic`;
      const s = statements.find((x) => x.Sid === sid)!;
      expect(actionsOf(s)).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
      expect(rolesIn(s)).toEqual(roles(...functionNames.filter((fn) => functionGrants[fn].publish?.includes(topic))));
      expect(view.describe(s.Condition!.StringEquals!['kms:EncryptionContext:aws:sns:topicArn'])).toBe(
        `arn:\${AWS::Partition}:sns:\${AWS::Region}:\${AWS::AccountId}:peerguard-dev-${topic}`,
      );
      expect(view.describe(s.Condition!.StringEquals!['kms:ViaService'])).toBe('sns.${AWS::Region}.amazonaws.com');
    }
    const cloudwatch = statements.find((x) => x.Sid === 'CloudWatchAlarmsToOperationsTopic')!;
    expect(cloudwatch.Principal).toEqual({ Service: 'cloudwatch.amazonaws.com' });
    const sns = statements.find((x) => x.Sid === 'SnsDeliversToDeadLetterQueue')!;
    expect(view.describe(sns.Condition!.StringEquals!['kms:EncryptionContext:aws:sqs:arn'])).toBe(
      'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:peerguard-dev-notifications-dlq',
    );
  });

  it('the logs key serves CloudWatch Logs for this account and region only', () => {
    const [, use] = view.keyStatements('LogsKey');
    expect(view.describe(use!.Principal.Service)).toBe('logs.${AWS::Region}.amazonaws.com');
    expect(view.describe(use!.Condition!.ArnLike!['kms:EncryptionContext:aws:logs:arn'])).toBe(
      'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*',
    );
  });

  it('the seal key lets the sweeper encrypt through S3 and operators decrypt through S3', () => {
    const statements = view.keyStatements('SealKey').slice(1);
    expect(statements.map((s) => [s.Sid, actionsOf(s)])).toEqual([
      ['SweeperWritesSealsThroughS3', ['kms:GenerateDataKey']],
      ['OperatorsReadSealsThroughS3', ['kms:Decrypt']],
    ]);
    expect(rolesIn(statements[0]!)).toEqual(roles('sweeper'));
  });

  it('key policies name exactly the roles the app stack creates, and agree with their IAM policies', () => {
    const roleNames = new Set(view.ofType('app', 'AWS::IAM::Role').map(([, r]) => view.describe(r.Properties.RoleName)));
    for (const [key, friendly] of [
      ['hmac', 'HmacKey'],
      ['signing', 'SigningKey'],
      ['data', 'DataKey'],
    ] as const) {
      // An action may be split over statements (the data key: one per encryption-context purpose); together they name the granted roles.
      const byAction = new Map<string, Set<unknown>>();
      for (const s of view.keyStatements(friendly).slice(1)) {
        for (const action of actionsOf(s)) for (const role of rolesIn(s)) byAction.set(action, (byAction.get(action) ?? new Set()).add(role));
      }
      for (const [action, named] of byAction) {
        const granted = functionNames.filter((fn) => view.permissionsOf(fn).includes(`${action} ${friendly}`));
        expect([...named].sort(), `${key} ${action}`).toEqual([...roles(...granted)].sort());
      }
    }
    for (const fn of functionNames) expect(roleNames.has(`peerguard-dev-${fn}-\${AWS::Region}`), fn).toBe(true);
  });
});

describe('SNS topics and the dead-letter queue', () => {
  const topics = view.ofType('data', 'AWS::SNS::Topic');

  it('reviewers, practices, security and operations topics, encrypted with the messaging key, SHA-256 signatures', () => {
    expect(topics.map(([id]) => view.friendly.get(id)).sort()).toEqual(['OperationsTopic', 'PracticesTopic', 'ReviewersTopic', 'SecurityTopic']);
    for (const [, topic] of topics) {
      expect(view.describe(topic.Properties.KmsMasterKeyId)).toBe('MessagingKey');
      expect(topic.Properties.SignatureVersion).toBe('2');
    }
  });

  it('every topic policy denies publishing without TLS', () => {
    const policies = view.ofType('data', 'AWS::SNS::TopicPolicy');
    const covered = new Set<string>();
    for (const [, policy] of policies) {
      const deny = asArray<Statement>(policy.Properties.PolicyDocument.Statement).find(
        (s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
      );
      expect(deny).toBeDefined();
      expect(asArray(deny!.Action)).toContain('sns:Publish');
      for (const t of asArray<Json>(policy.Properties.Topics)) covered.add(view.describe(t));
    }
    expect([...covered].sort()).toEqual(['OperationsTopic', 'PracticesTopic', 'ReviewersTopic', 'SecurityTopic']);
  });

  it('CloudWatch alarms of this account may publish to the operations topic', () => {
    const statements = view
      .ofType('data', 'AWS::SNS::TopicPolicy')
      .filter(([, p]) => asArray<Json>(p.Properties.Topics).some((t) => view.describe(t) === 'OperationsTopic'))
      .flatMap(([, p]) => asArray<Statement>(p.Properties.PolicyDocument.Statement));
    const allow = statements.find((s) => s.Sid === 'CloudWatchAlarmsPublish')!;
    expect(allow.Principal).toEqual({ Service: 'cloudwatch.amazonaws.com' });
    expect(view.describe(allow.Condition!.StringEquals!['aws:SourceAccount'])).toBe('${AWS::AccountId}');
  });

  it('the notifications dead-letter queue is encrypted, TLS-only, and open to SNS from the Peerguard topics only', () => {
    const [[, queue]] = view.ofType('data', 'AWS::SQS::Queue') as [[string, Json]];
    expect(view.describe(queue.Properties.KmsMasterKeyId)).toBe('MessagingKey');
    expect(queue.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    const statements = view.ofType('data', 'AWS::SQS::QueuePolicy').flatMap(([, p]) => asArray<Statement>(p.Properties.PolicyDocument.Statement));
    expect(statements.some((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false')).toBe(true);
    const sns = statements.find((s) => s.Sid === 'PeerguardTopicsDeadLetter')!;
    expect(sns.Principal).toEqual({ Service: 'sns.amazonaws.com' });
    expect(
      asArray<Json>(sns.Condition!.ArnEquals!['aws:SourceArn'])
        .map((a) => view.describe(a))
        .sort(),
    ).toEqual(['OperationsTopic', 'PracticesTopic', 'ReviewersTopic', 'SecurityTopic']);
  });

  it('subscriptions from the stage settings: practices filtered on practiceId, every one with the dead-letter queue', () => {
    const withSubscriptions = synth(
      {
        'peerguard:stages': {
          ...(cdkContext['peerguard:stages'] as object),
          dev: {
            ...config,
            subscriptions: {
              reviewerEmails: ['committee@example.org'],
              securityEmails: ['security@example.org'],
              operationsEmails: ['oncall@example.org'],
              practiceEndpoints: [{ practiceId: 'prc_0123456789abcdefghjkmnpqrs', url: 'https://harbour.example.org/peerguard' }],
            },
          },
        },
      },
      { nag: true },
    );
    const subs = withSubscriptions.view.ofType('data', 'AWS::SNS::Subscription').map(([, s]) => s.Properties);
    expect(subs.map((s) => [s.Protocol, s.Endpoint, withSubscriptions.view.describe(s.TopicArn)]).sort()).toEqual(
      [
        ['email', 'committee@example.org', 'ReviewersTopic'],
        ['email', 'oncall@example.org', 'OperationsTopic'],
        ['email', 'security@example.org', 'SecurityTopic'],
        ['https', 'https://harbour.example.org/peerguard', 'PracticesTopic'],
      ].sort(),
    );
    for (const s of subs) {
      expect(withSubscriptions.view.describe(s.RedrivePolicy.deadLetterTargetArn)).toBe('NotificationsDlq');
    }
    const https = subs.find((s) => s.Protocol === 'https')!;
    expect(https.FilterPolicy).toEqual({ practiceId: ['prc_0123456789abcdefghjkmnpqrs'] });
    expect(https.FilterPolicyScope ?? 'MessageAttributes').toBe('MessageAttributes');
  });
});

describe('audit seal bucket', () => {
  const buckets = view.ofType('data', 'AWS::S3::Bucket');
  const [sealId, seal] = buckets.find(([id]) => view.friendly.get(id) === 'SealBucket')!;
  const [logsId, logs] = buckets.find(([id]) => view.friendly.get(id) === 'AccessLogsBucket')!;
  const policyOf = (bucketId: string) =>
    view
      .ofType('data', 'AWS::S3::BucketPolicy')
      .filter(([, p]) => view.describe(p.Properties.Bucket) === view.friendly.get(bucketId))
      .flatMap(([, p]) => asArray<Statement>(p.Properties.PolicyDocument.Statement));

  it('has Object Lock in COMPLIANCE mode with the stage retention, versioning and the seal key', () => {
    expect(seal.Properties.ObjectLockEnabled).toBe(true);
    expect(seal.Properties.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: config.sealRetentionDays } },
    });
    expect(config.sealRetentionDays).toBe(1);
    expect(seal.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    const [rule] = seal.Properties.BucketEncryption.ServerSideEncryptionConfiguration;
    expect(rule.ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
    expect(view.describe(rule.ServerSideEncryptionByDefault.KMSMasterKeyID)).toBe('SealKey');
    expect(rule.BucketKeyEnabled).toBe(true);
    expect(view.describe(seal.Properties.BucketName)).toBe('peerguard-dev-seals-${AWS::AccountId}-${AWS::Region}');
  });

  it('keeps seals seven years in prod', () => {
    const prod = synth({ stage: 'prod' }, { nag: false });
    prod.dataTemplate.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2557 } } },
    });
  });

  it('blocks public access, logs server access, and both buckets refuse plain HTTP', () => {
    for (const bucket of [seal, logs]) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
    }
    expect(view.describe(seal.Properties.LoggingConfiguration.DestinationBucketName)).toBe('AccessLogsBucket');
    for (const id of [sealId, logsId]) {
      expect(
        policyOf(id).some((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false'),
        view.friendly.get(id),
      ).toBe(true);
    }
  });

  it('refuses PutObject from anyone but the sweeper role, and every delete', () => {
    const statements = policyOf(sealId);
    const put = statements.find((s) => s.Sid === 'OnlyTheSweeperWritesSeals')!;
    expect([put.Effect, put.Principal, put.Action]).toEqual(['Deny', { AWS: '*' }, 's3:PutObject']);
    expect(asArray<Json>(put.Condition!.ArnNotEquals!['aws:PrincipalArn']).map((a) => view.describe(a))).toEqual(['sweeperRole']);
    const del = statements.find((s) => s.Sid === 'NobodyDeletesSeals')!;
    expect([del.Effect, del.Principal, actionsOf(del), del.Condition]).toEqual([
      'Deny',
      { AWS: '*' },
      ['s3:DeleteObject', 's3:DeleteObjectVersion'],
      undefined,
    ]);
    // The bucket policy grants nothing; the sweeper's PutObject comes from its role alone.
    expect(statements.filter((s) => s.Effect === 'Allow')).toEqual([]);
    // Server access logs are delivered by S3's logging service, from the seal bucket only.
    const delivery = policyOf(logsId).filter((s) => s.Effect === 'Allow');
    expect(delivery.map((s) => [s.Principal, s.Action])).toEqual([[{ Service: 'logging.s3.amazonaws.com' }, 's3:PutObject']]);
  });
});
