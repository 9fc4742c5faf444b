import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Deps } from '#shared/deps.ts';
import { authenticate, createApiKey } from '#shared/domain/api-keys.ts';
import { systemActor } from '#shared/audit/events.ts';

export const adminKeyFile = (dataDir: string) => join(dataDir, 'admin-api-key');

/** What start-up found: a working admin key, or a revoked one it did not replace. */
export type LocalAdminKey = { readonly apiKey: string; readonly created: boolean } | { readonly apiKey: undefined; readonly revokedKeyId: string };

/**
 * A fresh data folder gets one admin API key, written to `DATA_DIR/admin-api-key` (the key and
 * a newline, owner-only). Later starts reuse it while it still works. A key that was revoked is
 * NOT replaced: revoking it is how an operator shuts a leaked key out, and a new one written to
 * the same file would let whoever read the old one in again; `npm run admin` makes a new one on
 * purpose. Only a key the database has never heard of (the tables were deleted) is replaced.
 */
export async function ensureAdminKey(deps: Deps, dataDir: string): Promise<LocalAdminKey> {
  const file = adminKeyFile(dataDir);
  if (existsSync(file)) {
    const apiKey = readFileSync(file, 'utf8').trim();
    if (await authenticate(deps, apiKey)) return { apiKey, created: false };
    const keyId = /^pg\.([^.]+)\./.exec(apiKey)?.[1];
    const stored = keyId === undefined ? undefined : await deps.apiKeys.get(keyId);
    if (stored?.revokedAt) return { apiKey: undefined, revokedKeyId: stored.keyId };
  }
  const { apiKey } = await createApiKey(deps, systemActor('local-start'), { role: 'admin', label: 'first admin (created by npm start)' });
  writeFileSync(file, `${apiKey}\n`, { mode: 0o600 });
  return { apiKey, created: true };
}

/** The admin key of a data folder that must have a working one (a fresh folder always does). */
export async function workingAdminKey(deps: Deps, dataDir: string): Promise<string> {
  const admin = await ensureAdminKey(deps, dataDir);
  if (admin.apiKey === undefined) throw new Error(`the admin key in ${adminKeyFile(dataDir)} (${admin.revokedKeyId}) has been revoked`);
  return admin.apiKey;
}
