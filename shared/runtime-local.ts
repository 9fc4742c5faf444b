import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LocalConfig } from './config.ts';
import type { Deps } from './deps.ts';
import { buildDocumentClient } from './adapters/dynamo/client.ts';
import { buildEnvelopeCipher } from './adapters/envelope-cipher.ts';
import { localDataKeys } from './adapters/local/local-data-keys.ts';
import { buildLoggedMetrics } from './adapters/local/logged-metrics.ts';
import { loadOrCreateLocalKeys } from './adapters/local/local-keys.ts';
import { buildLocalKeyring } from './adapters/local/local-keyring.ts';
import { buildLocalNotifier } from './adapters/local/local-notifier.ts';
import { buildLocalSealStore } from './adapters/local/local-seal-store.ts';
import { buildLocalAuditArchive } from './adapters/local/local-audit-archive.ts';
import { buildLocalSigner } from './adapters/local/local-signer.ts';
import { buildCommonDeps } from './runtime-common.ts';
import { subscribeRescreen } from './domain/rescreen.ts';

/**
 * The laptop's adapters: DynamoDB Local, keys in DATA_DIR/keys, a notifications file, seals on disk.
 * The re-screen listens to the notifier as the rescreen function listens to the practices topic in AWS.
 */
export function buildLocalDeps(config: LocalConfig, overrides: Partial<Deps> = {}, documents?: DynamoDBDocumentClient): Deps {
  if (!config.DYNAMODB_ENDPOINT) {
    throw new Error('A local run needs DYNAMODB_ENDPOINT: start DynamoDB Local first (npm start does).');
  }
  const common = buildCommonDeps(config, documents ?? buildDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT }), overrides);
  const keys = loadOrCreateLocalKeys(config.DATA_DIR);
  return subscribeRescreen({
    ...common,
    metrics: buildLoggedMetrics(common.logger),
    keyring: buildLocalKeyring(keys.hmacKey),
    signer: buildLocalSigner(keys.signingKeyPem, 'audit'),
    alertSigner: buildLocalSigner(keys.alertSigningKeyPem, 'alert'),
    cipher: buildEnvelopeCipher(localDataKeys(keys.dataKey)),
    notifier: buildLocalNotifier(join(config.DATA_DIR, 'notifications.jsonl'), common.logger, common.clock),
    seals: buildLocalSealStore(config.DATA_DIR),
    archive: buildLocalAuditArchive(config.DATA_DIR),
    ...overrides,
  });
}
