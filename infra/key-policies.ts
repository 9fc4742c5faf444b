import { Aws } from 'aws-cdk-lib';
import { AccountRootPrincipal, AnyPrincipal, PolicyDocument, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { functionsWithDataKeyAction, functionsWithKeyAction, names, type CryptoKeyName, type DataKeyPurpose, type FunctionName } from './grants.ts';

/**
 * Key policies, written out statement by statement. No statement grants `kms:*`:
 * - the account root (that is, IAM principals the account's IAM policies allow) may administer a
 *   key, and only administer it: none of the administration actions encrypts, decrypts, signs
 *   or computes a MAC;
 * - each use is a separate statement naming the function roles allowed it (`aws:PrincipalArn`,
 *   computed from the role names, so the policy can exist before the roles do) and the
 *   algorithm, encryption context or AWS service it must use. The roles need a matching IAM
 *   policy as well (principal = account root delegates to IAM).
 */
export const keyAdministrationActions = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
] as const;

const administration = () =>
  new PolicyStatement({
    sid: 'AccountRootAdministersOnly',
    principals: [new AccountRootPrincipal()],
    actions: [...keyAdministrationActions],
    resources: ['*'],
  });

const roleArns = (stage: string, fns: readonly FunctionName[]) => fns.map((fn) => names.roleArn(stage, fn));

/** A use of a key by named function roles; undefined when no function has that grant. */
function use(
  stage: string,
  sid: string,
  actions: string[],
  fns: readonly FunctionName[],
  conditions: Record<string, Record<string, unknown>>,
): PolicyStatement | undefined {
  if (fns.length === 0) return undefined;
  return new PolicyStatement({
    sid,
    principals: [new AccountRootPrincipal()],
    actions,
    resources: ['*'],
    conditions: { ...conditions, ArnEquals: { 'aws:PrincipalArn': roleArns(stage, fns) } },
  });
}

const crypto = (key: CryptoKeyName, action: string) => functionsWithKeyAction(key, action);
const doc = (...statements: (PolicyStatement | undefined)[]) =>
  new PolicyDocument({ statements: [administration(), ...statements.filter((s): s is PolicyStatement => !!s)] });

/**
 * The HMAC key for identifier tokens: `GenerateMac` with HMAC_SHA_256 only (no VerifyMac: a
 * token is recomputed, never verified). Built per key, so a second key version (rotation) gets
 * the same policy.
 */
export const hmacKeyPolicy = (stage: string) =>
  doc(
    use(stage, 'GenerateMacHmacSha256', ['kms:GenerateMac'], crypto('hmac', 'kms:GenerateMac'), {
      StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' },
    }),
  );

/**
 * A signing key: `Sign` (ECDSA_SHA_256 over a raw message) and `GetPublicKey` for the functions
 * that need them. `signing` is the audit key (export manifests, checkpoints, seals: the audit
 * function and the sweeper); `alertSigning` signs receipts and publications (the alerts and
 * reviews functions). Each statement carries its type inside what is signed, and each key's
 * policy names only the functions of its types, so neither group can sign the other's statements.
 */
export const signingKeyPolicy = (stage: string, key: 'signing' | 'alertSigning' = 'signing') =>
  doc(
    use(stage, 'SignEcdsaSha256Raw', ['kms:Sign'], crypto(key, 'kms:Sign'), {
      StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'RAW' },
    }),
    use(stage, 'GetPublicKey', ['kms:GetPublicKey'], crypto(key, 'kms:GetPublicKey'), {}),
  );

/**
 * The envelope key of incident summaries and of practices' integration secrets: each use only for
 * its `purpose` encryption context, and only by the functions granted that purpose (the alert and
 * review functions for summaries, the integrations function for webhook secrets and API keys).
 */
export const summaryContextPurpose: DataKeyPurpose = 'incident-summary';
export const integrationSecretPurpose: DataKeyPurpose = 'integration-secret';
const dataKeyUse = (stage: string, purpose: DataKeyPurpose, sidPart: string) => [
  use(stage, `Generate${sidPart}DataKey`, ['kms:GenerateDataKey'], functionsWithDataKeyAction(purpose, 'kms:GenerateDataKey'), {
    StringEquals: { 'kms:EncryptionContext:purpose': purpose },
  }),
  use(stage, `Decrypt${sidPart}DataKey`, ['kms:Decrypt'], functionsWithDataKeyAction(purpose, 'kms:Decrypt'), {
    StringEquals: { 'kms:EncryptionContext:purpose': purpose },
  }),
];
export const dataKeyPolicy = (stage: string) =>
  doc(...dataKeyUse(stage, summaryContextPurpose, 'Summary'), ...dataKeyUse(stage, integrationSecretPurpose, 'IntegrationSecret'));

/**
 * The tables key: usable only through DynamoDB, by principals of this account (the policy of
 * the AWS managed `aws/dynamodb` key, with explicit actions). Who may read or write a table is
 * decided by the DynamoDB actions in IAM, so the function roles need no KMS permission for it.
 */
export const tablesKeyPolicy = () =>
  doc(
    new PolicyStatement({
      sid: 'UseThroughDynamoDbInThisAccount',
      principals: [new AnyPrincipal()],
      actions: [
        'kms:Encrypt',
        'kms:Decrypt',
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
        'kms:GenerateDataKey',
        'kms:GenerateDataKeyWithoutPlaintext',
        'kms:CreateGrant',
        'kms:DescribeKey',
      ],
      resources: ['*'],
      conditions: {
        StringEquals: { 'kms:CallerAccount': Aws.ACCOUNT_ID, 'kms:ViaService': `dynamodb.${Aws.REGION}.amazonaws.com` },
      },
    }),
  );

/**
 * The messaging key: SNS topics and the notifications dead-letter queue.
 * - each publishing role, through SNS, only for the topics it publishes to;
 * - CloudWatch, for alarm notifications to the operations topic;
 * - SNS, to deliver undeliverable notifications into the encrypted dead-letter queue;
 * - the account's operators (IAM-delegated), to read that queue through SQS.
 */
export function messagingKeyPolicy(stage: string, publishers: Record<string, readonly FunctionName[]>) {
  const topicContext = (topic: string) => ({
    StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': names.topicArn(stage, topic as never) },
  });
  const dlqContext = { StringEquals: { 'kms:EncryptionContext:aws:sqs:arn': names.notificationsDlqArn(stage) } };
  return doc(
    ...Object.entries(publishers).map(([topic, fns]) =>
      use(stage, `PublishTo${topic[0]!.toUpperCase()}${topic.slice(1)}Topic`, ['kms:GenerateDataKey', 'kms:Decrypt'], fns, {
        StringEquals: {
          ...topicContext(topic).StringEquals,
          'kms:ViaService': `sns.${Aws.REGION}.amazonaws.com`,
        },
      }),
    ),
    new PolicyStatement({
      sid: 'CloudWatchAlarmsToOperationsTopic',
      principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: ['*'],
      conditions: topicContext('operations'),
    }),
    new PolicyStatement({
      sid: 'SnsDeliversToDeadLetterQueue',
      principals: [new ServicePrincipal('sns.amazonaws.com')],
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: ['*'],
      conditions: dlqContext,
    }),
    new PolicyStatement({
      sid: 'OperatorsReadDeadLetterQueue',
      principals: [new AccountRootPrincipal()],
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: { ...dlqContext.StringEquals, 'kms:ViaService': `sqs.${Aws.REGION}.amazonaws.com` } },
    }),
  );
}

/** The logs key: CloudWatch Logs encrypts this account's log groups in this region with it. */
export const logsKeyPolicy = () =>
  doc(
    new PolicyStatement({
      sid: 'CloudWatchLogsEncryptsLogGroups',
      principals: [new ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
      actions: [
        'kms:Encrypt',
        'kms:Decrypt',
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
        'kms:GenerateDataKey',
        'kms:GenerateDataKeyWithoutPlaintext',
        'kms:DescribeKey',
      ],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
        },
      },
    }),
  );

/**
 * The seal key (SSE-KMS of the audit-seal bucket and of the audit table's write-once copy): the
 * sweeper writes seals and the archiver writes copies, through S3; the account's operators
 * (IAM-delegated) read them through S3 to verify the chain.
 */
export const sealKeyPolicy = (stage: string, writers: readonly FunctionName[]) =>
  doc(
    use(stage, 'WritersWriteThroughS3', ['kms:GenerateDataKey'], writers, {
      StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` },
    }),
    new PolicyStatement({
      sid: 'OperatorsReadSealsThroughS3',
      principals: [new AccountRootPrincipal()],
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com`, 'kms:CallerAccount': Aws.ACCOUNT_ID } },
    }),
  );
