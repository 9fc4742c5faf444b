import { describe, expect, it } from 'vitest';
import { sha256Hex } from '#shared/canonical.ts';
import { authenticate, bearerToken, createApiKey, revokeApiKey } from '#shared/domain/api-keys.ts';
import { createPractice } from '#shared/domain/practices.ts';
import { NotFoundError, ValidationError } from '#shared/errors.ts';
import { buildTestDeps } from '../fakes/deps.ts';

/** The admin the audit log names for these calls. */
const admin = { keyId: 'key_test-admin', role: 'admin' } as const;

async function withPracticeKey() {
  const deps = buildTestDeps();
  const practice = await createPractice(deps, admin, { name: 'Harbour Massage', region: 'US-CT' });
  const key = await createApiKey(deps, admin, { role: 'practice', practiceId: practice.practiceId, label: 'front desk' });
  return { deps, practice, key };
}

describe('API keys', () => {
  it('authenticates a new key as its role and practice, storing only its hash', async () => {
    const { deps, practice, key } = await withPracticeKey();
    expect(key.apiKey).toMatch(/^pg\.key_[0-9a-z]{26}\.[A-Za-z0-9_-]{43}$/);
    expect(await authenticate(deps, key.apiKey)).toEqual({ keyId: key.keyId, role: 'practice', practiceId: practice.practiceId });
    const stored = await deps.apiKeys.get(key.keyId);
    expect(stored).toMatchObject({ secretSha256: sha256Hex(key.apiKey), label: 'front desk' });
    expect(JSON.stringify(stored)).not.toContain(key.apiKey.split('.')[2]);
  });

  it('refuses malformed, unknown and tampered keys', async () => {
    const { deps, key } = await withPracticeKey();
    const secret = key.apiKey.split('.')[2]!;
    const flipped = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    const otherId = `key_${'0'.repeat(26)}`;
    for (const bad of ['', 'pg.nope', key.apiKey.toUpperCase(), `pg.${key.keyId}.${flipped}`, `pg.${otherId}.${secret}`, `${key.apiKey} `]) {
      expect(await authenticate(deps, bad)).toBeUndefined();
    }
  });

  it('stops a revoked key at once, and keeps the first revocation time', async () => {
    const { deps, key } = await withPracticeKey();
    await revokeApiKey(deps, admin, key.keyId);
    expect(await authenticate(deps, key.apiKey)).toBeUndefined();
    const revokedAt = (await deps.apiKeys.get(key.keyId))!.revokedAt;
    expect(revokedAt).toBe('2026-11-21T19:04:05Z');
    deps.clock.advanceDays(1);
    await revokeApiKey(deps, admin, key.keyId);
    expect((await deps.apiKeys.get(key.keyId))!.revokedAt).toBe(revokedAt);
  });

  it('answers 404 for revoking a key that does not exist', async () => {
    const deps = buildTestDeps();
    await expect(revokeApiKey(deps, admin, `key_${'0'.repeat(26)}`)).rejects.toThrow(NotFoundError);
  });

  it('refuses a key for a practice that does not exist', async () => {
    const deps = buildTestDeps();
    await expect(createApiKey(deps, admin, { role: 'reviewer', practiceId: `prc_${'0'.repeat(26)}`, label: 'x' })).rejects.toThrow(ValidationError);
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer pg.abc', 'pg.abc'],
    ['bearer   pg.abc  ', 'pg.abc'],
    ['Basic dXNlcjpwYXNz', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
    [undefined, undefined],
  ])('reads %j as %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});
