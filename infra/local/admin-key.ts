import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Deps } from '#shared/deps.ts';
import { authenticate, createApiKey } from '#shared/domain/api-keys.ts';
import { systemActor } from '#shared/audit/events.ts';

export const adminKeyFile = (dataDir: string) => join(dataDir, 'admin-api-key');

/**
 * A fresh data folder gets one admin API key, written to `DATA_DIR/admin-api-key` (the key
 * and a newline, owner-only). Later starts reuse it while it still works; a revoked or lost
 * one is replaced.
 */
export async function ensureAdminKey(deps: Deps, dataDir: string): Promise<{ apiKey: string; created: boolean }> {
  const file = adminKeyFile(dataDir);
  if (existsSync(file)) {
    const apiKey = readFileSync(file, 'utf8').trim();
    if (await authenticate(deps, apiKey)) return { apiKey, created: false };
  }
  const { apiKey } = await createApiKey(deps, systemActor('local-start'), { role: 'admin', label: 'first admin (created by npm start)' });
  writeFileSync(file, `${apiKey}\n`, { mode: 0o600 });
  return { apiKey, created: true };
}
