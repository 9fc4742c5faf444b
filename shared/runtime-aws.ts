import type { KMSClient } from '@aws-sdk/client-kms';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsConfig } from './config.ts';
import type { Deps } from './deps.ts';
import type { SealStore } from './ports.ts';
import { buildDocumentClient } from './adapters/dynamo/client.ts';
import { buildEnvelopeCipher } from './adapters/envelope-cipher.ts';
import { kmsDataKeys } from './adapters/kms/kms-data-keys.ts';
import { buildKmsKeyring } from './adapters/kms/kms-keyring.ts';
import { buildKmsSigner } from './adapters/kms/kms-signer.ts';
import { buildEmfMetrics } from './adapters/metrics.ts';
import { lazyClient } from './adapters/lazy-client.ts';
import { boundedSdkClientOptions } from './adapters/sdk-client-options.ts';
import { buildS3SealStore } from './adapters/s3-seal-store.ts';
import { buildSnsNotifier } from './adapters/sns-notifier.ts';
import { buildCommonDeps } from './runtime-common.ts';

/**
 * Lambda's adapters: DynamoDB, KMS, SNS and (the sweeper only) S3. What every function bundle
 * wires. Only DynamoDB's client loads at start-up; the others load on first use (lazy-client.ts).
 */
export function buildAwsDeps(config: AwsConfig, overrides: Partial<Deps> = {}, documents?: DynamoDBDocumentClient): Deps {
  const kms = lazyClient<KMSClient>(async () => new (await import('@aws-sdk/client-kms')).KMSClient(boundedSdkClientOptions));
  const metrics = overrides.metrics ?? buildEmfMetrics();
  return {
    ...buildCommonDeps(config, documents ?? buildDocumentClient(), overrides),
    metrics,
    keyring: buildKmsKeyring(kms, config.HMAC_KEY_ID, config.HMAC_KEY_VERSION, config.HMAC_PREVIOUS_KEYS, metrics),
    signer: buildKmsSigner(kms, config.SIGNING_KEY_ID, metrics),
    cipher: buildEnvelopeCipher(kmsDataKeys(kms, config.DATA_KEY_ID, metrics)),
    notifier: buildSnsNotifier(
      lazyClient<SNSClient>(async () => new (await import('@aws-sdk/client-sns')).SNSClient(boundedSdkClientOptions)),
      {
        reviewers: config.REVIEWERS_TOPIC_ARN,
        practices: config.PRACTICES_TOPIC_ARN,
        security: config.SECURITY_TOPIC_ARN,
      },
    ),
    seals: config.SEAL_BUCKET
      ? buildS3SealStore(
          lazyClient<S3Client>(async () => new (await import('@aws-sdk/client-s3')).S3Client({ maxAttempts: 3 })),
          config.SEAL_BUCKET,
        )
      : noSealStore,
    ...overrides,
  };
}

/** Only the sweeper function has a seal bucket; anything else that tried to seal would be a bug. */
const noSealStore: SealStore = {
  put: async () => {
    throw new Error('SEAL_BUCKET is not set: only the sweeper function seals the audit chain');
  },
  putCheckpoint: async () => {
    throw new Error('SEAL_BUCKET is not set: only the sweeper function writes checkpoints to the seal bucket');
  },
};
