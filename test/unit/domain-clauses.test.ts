import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { listClauses, publishClause, publishClauseVersion } from '#shared/domain/clauses.ts';
import { ConflictError, NotFoundError } from '#shared/errors.ts';
import { buildTestDeps } from '../fakes/deps.ts';

/** The admin the audit log names for these calls. */
const admin = { keyId: 'key_test-admin', role: 'admin' } as const;

describe('consent clauses', () => {
  it('publishes version 1 with the SHA-256 of the UTF-8 text', async () => {
    const deps = buildTestDeps();
    const text = 'Je consens à ce que ce cabinet informe d’autres professionnels.';
    const clause = await publishClause(deps, admin, { text, jurisdiction: 'CA-QC' });
    expect(clause).toMatchObject({ version: 1, text, jurisdiction: 'CA-QC', publishedAt: '2026-11-21T19:04:05Z' });
    expect(clause.sha256).toBe(createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex'));
  });

  it('adds versions under one id, carrying the jurisdiction over, and lists them in order', async () => {
    const deps = buildTestDeps();
    const v1 = await publishClause(deps, admin, { text: 'First wording.', jurisdiction: 'US-CT' });
    deps.clock.advanceDays(1);
    const other = await publishClause(deps, admin, { text: 'Another clause.' });
    deps.clock.advanceDays(1);
    const v2 = await publishClauseVersion(deps, admin, v1.clauseId, { text: 'Second wording.' });
    expect(v2).toMatchObject({ clauseId: v1.clauseId, version: 2, jurisdiction: 'US-CT' });
    expect((await listClauses(deps)).map((c) => [c.clauseId, c.version])).toEqual([
      [v1.clauseId, 1],
      [other.clauseId, 1],
      [v1.clauseId, 2],
    ]);
  });

  it('answers 404 for a new version of an unknown clause', async () => {
    const deps = buildTestDeps();
    await expect(publishClauseVersion(deps, admin, `cls_${'0'.repeat(26)}`, { text: 'x' })).rejects.toThrow(NotFoundError);
  });

  it('answers 409 when the same version is stored twice (two admins racing)', async () => {
    const deps = buildTestDeps();
    const v1 = await publishClause(deps, admin, { text: 'First wording.' });
    await expect(deps.clauses.put({ ...v1, text: 'Someone else’s wording.' }, { events: [], now: deps.clock() })).rejects.toThrow(ConflictError);
  });
});
