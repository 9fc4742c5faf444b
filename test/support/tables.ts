import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { ensureConfiguredTables } from '../../infra/local/dynamo-local.ts';
import { loadConfig, type LocalConfig } from '#shared/config.ts';

/**
 * A local config whose tables are fresh ones in the shared DynamoDB Local (a random prefix per
 * call), so test files never see each other's data.
 */
export async function freshLocalConfig(dataDir: string, extra: Record<string, string> = {}): Promise<LocalConfig> {
  const endpoint = inject('dynamoEndpoint');
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    PEERGUARD_RUNTIME: 'local',
    DATA_DIR: dataDir,
    DYNAMODB_ENDPOINT: endpoint,
    API_KEYS_TABLE: `${prefix}-keys`,
    MAIN_TABLE: `${prefix}-main`,
    TOKEN_TABLE: `${prefix}-tokens`,
    AUDIT_TABLE: `${prefix}-audit`,
    LOG_LEVEL: 'ERROR',
    ...extra,
  }) as LocalConfig;
  await ensureConfiguredTables(endpoint, config);
  return config;
}
