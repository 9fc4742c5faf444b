import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { revokeApiKey } from '#shared/domain/api-keys.ts';
import { adminKeyFile, ensureAdminKey } from '../../infra/local/admin-key.ts';
import { buildTestDeps } from '../fakes/deps.ts';

/**
 * Local keys: the admin key `npm start` made is not silently made again once revoked. (That the
 * command line takes API keys from a file or the environment, never from its arguments, is
 * cli-args.test.ts's.)
 */
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'peerguard-keys-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the local admin key', () => {
  it('is made once, reused while it works, and not replaced once revoked', async () => {
    const deps = buildTestDeps();
    const dataDir = tempDir();
    const first = await ensureAdminKey(deps, dataDir);
    expect(first).toEqual({ apiKey: expect.stringMatching(/^pg\./), created: true });
    expect(await ensureAdminKey(deps, dataDir)).toEqual({ apiKey: first.apiKey, created: false });
    const keyId = /^pg\.([^.]+)\./.exec(first.apiKey!)![1]!;
    await revokeApiKey(deps, { keyId: 'key_other-admin', role: 'admin' }, keyId);
    const entries = deps.memory.audit.entries.length;
    expect(await ensureAdminKey(deps, dataDir)).toEqual({ apiKey: undefined, revokedKeyId: keyId });
    // Nothing was created, and the file still holds the revoked key.
    expect(deps.memory.audit.entries).toHaveLength(entries);
    expect(readFileSync(adminKeyFile(dataDir), 'utf8').trim()).toBe(first.apiKey);
  });

  it('is made afresh for a database that never knew the key in the file (its tables were deleted)', async () => {
    const dataDir = tempDir();
    writeFileSync(adminKeyFile(dataDir), 'pg.key_01JDV1Q7B7M3W2X9Y4Z5A6B7C8.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n');
    expect(await ensureAdminKey(buildTestDeps(), dataDir)).toMatchObject({ created: true });
  });
});
