import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { SNSClient } from '@aws-sdk/client-sns';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Config } from './config.ts';
import type { Deps, Settings } from './deps.ts';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildDocumentClient } from './adapters/dynamo/client.ts';
import { buildAlertStore, buildTokenIndex } from './adapters/dynamo/alert-store.ts';
import { buildApiKeyStore, buildClauseStore, buildPracticeStore } from './adapters/dynamo/simple-stores.ts';
import { buildAuditLog } from './adapters/dynamo/audit-log.ts';
import { buildNotificationOutbox } from './adapters/dynamo/outbox.ts';
import { buildScreeningLedger } from './adapters/dynamo/screening-ledger.ts';
import { buildEnvelopeCipher, kmsEnvelopeKeyring, localEnvelopeKeyring } from './adapters/envelope-cipher.ts';
import { buildKmsKeyring } from './adapters/kms/kms-keyring.ts';
import { buildKmsSigner } from './adapters/kms/kms-signer.ts';
import { loadOrCreateLocalKeys } from './adapters/local/local-keys.ts';
import { buildLocalKeyring } from './adapters/local/local-keyring.ts';
import { buildLocalNotifier } from './adapters/local/local-notifier.ts';
import { buildLocalSigner } from './adapters/local/local-signer.ts';
import { buildSnsNotifier } from './adapters/sns-notifier.ts';
import { buildS3SealStore } from './adapters/s3-seal-store.ts';
import { buildLocalSealStore } from './adapters/local/local-seal-store.ts';
import { S3Client } from '@aws-sdk/client-s3';
import type { SealStore } from './ports.ts';
import { boundedSdkClientOptions } from './adapters/sdk-client-options.ts';

export function settingsFrom(config: Config): Settings {
  return {
    phoneRegion: config.PHONE_DEFAULT_REGION,
    alertTtlDays: config.ALERT_TTL_DAYS,
    idempotencyTtlHours: config.IDEMPOTENCY_TTL_HOURS,
    screening: { perMinute: config.CHECKS_PER_MINUTE, perDay: config.CHECKS_PER_DAY },
    nameOnlyMissesPerHour: config.NAME_ONLY_MISSES_PER_HOUR,
    auditExportPageSize: config.AUDIT_EXPORT_PAGE_SIZE,
  };
}

export function buildLogger(config: Config): Logger {
  return new Logger({ serviceName: 'peerguard', logLevel: config.LOG_LEVEL });
}

/**
 * Builds every adapter for the side we run on — the only place that knows. Tests pass
 * `overrides` (a fixed clock, a failing notifier) to the same wiring. `documents` lets the
 * benchmark hand in the document client it instruments (to count DynamoDB requests).
 */
export function buildDeps(config: Config, overrides: Partial<Deps> = {}, documents?: DynamoDBDocumentClient): Deps {
  const logger = overrides.logger ?? buildLogger(config);
  const clock = overrides.clock ?? (() => new Date());
  if (config.PEERGUARD_RUNTIME === 'local' && !config.DYNAMODB_ENDPOINT) {
    throw new Error('A local run needs DYNAMODB_ENDPOINT: start DynamoDB Local first (npm start does).');
  }
  documents ??= buildDocumentClient(config.PEERGUARD_RUNTIME === 'local' ? { endpoint: config.DYNAMODB_ENDPOINT } : {});
  const tables = { main: config.MAIN_TABLE, tokens: config.TOKEN_TABLE };
  const audit = buildAuditLog(documents, config.AUDIT_TABLE);
  const stores = {
    audit,
    practices: buildPracticeStore(documents, config.MAIN_TABLE, audit),
    apiKeys: buildApiKeyStore(documents, config.API_KEYS_TABLE, audit),
    clauses: buildClauseStore(documents, config.MAIN_TABLE, audit),
    alerts: buildAlertStore(documents, tables, audit),
    tokenIndex: buildTokenIndex(documents, config.TOKEN_TABLE),
    ledger: buildScreeningLedger(documents, config.MAIN_TABLE, audit),
    outbox: buildNotificationOutbox(documents, config.MAIN_TABLE),
  };
  const base = { settings: settingsFrom(config), clock, logger, ...stores };
  if (config.PEERGUARD_RUNTIME === 'local') {
    const keys = loadOrCreateLocalKeys(config.DATA_DIR);
    return {
      ...base,
      keyring: buildLocalKeyring(keys.hmacKey),
      signer: buildLocalSigner(keys.signingKeyPem),
      cipher: buildEnvelopeCipher(localEnvelopeKeyring(keys.dataKey)),
      notifier: buildLocalNotifier(join(config.DATA_DIR, 'notifications.jsonl'), logger, clock),
      seals: buildLocalSealStore(config.DATA_DIR),
      ...overrides,
    };
  }
  const kms = new KMSClient(boundedSdkClientOptions);
  return {
    ...base,
    keyring: buildKmsKeyring(kms, config.HMAC_KEY_ID, config.HMAC_KEY_VERSION, config.HMAC_PREVIOUS_KEYS),
    signer: buildKmsSigner(kms, config.SIGNING_KEY_ID),
    cipher: buildEnvelopeCipher(kmsEnvelopeKeyring(kms, config.DATA_KEY_ID)),
    notifier: buildSnsNotifier(new SNSClient(boundedSdkClientOptions), {
      reviewers: config.REVIEWERS_TOPIC_ARN,
      practices: config.PRACTICES_TOPIC_ARN,
      security: config.SECURITY_TOPIC_ARN,
    }),
    seals: config.SEAL_BUCKET ? buildS3SealStore(new S3Client({ maxAttempts: 3 }), config.SEAL_BUCKET) : noSealStore,
    ...overrides,
  };
}

/** Only the sweeper function has a seal bucket; anything else that tried to seal would be a bug. */
const noSealStore: SealStore = {
  put: async () => {
    throw new Error('SEAL_BUCKET is not set: only the sweeper function seals the audit chain');
  },
};
