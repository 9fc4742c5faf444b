import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAuditLog } from '#shared/adapters/dynamo/audit-log.ts';
import { buildMatchDigestStore } from '#shared/adapters/dynamo/match-digests.ts';
import type { LocalConfig } from '#shared/config.ts';
import type { AuditBatch } from '#shared/records.ts';
import { freshLocalConfig } from '../support/tables.ts';
import { countingClient } from '../support/counting-client.ts';

/**
 * The reporters' match counts over real DynamoDB Local: a process writes only for alerts on its
 * list of opted-in alerts, so matches of any other alert cost no write.
 */
let config: LocalConfig;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'peerguard-digest-counts-'));
  config = await freshLocalConfig(dataDir);
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** One process's store, with the requests it sends counted by command. */
function process() {
  const { client, sent } = countingClient(config.DYNAMODB_ENDPOINT);
  const store = buildMatchDigestStore(client, config.MAIN_TABLE, buildAuditLog(client, config.AUDIT_TABLE));
  return { store, sent };
}

const now = new Date('2026-11-20T10:00:00Z');
const optIn = (alertId: string, enabled: boolean) => ({ alertId, practiceId: 'prac_harbour', enabled, changedAt: now.toISOString() });
const audited = (alertId: string): AuditBatch => ({
  events: [{ action: 'alert.match_digest_set', actor: { keyId: 'key_h', role: 'practice' as const }, targets: { alertId }, outcome: 'enabled' }],
  now,
});

describe('match counts for the reporters’ digests', () => {
  it('count only opted-in alerts, and send no write for any other', async () => {
    const { store, sent } = process();
    const [wanted, unwanted] = [`alt_w${Math.random().toString(36).slice(2, 8)}`, `alt_u${Math.random().toString(36).slice(2, 8)}`];
    await store.setOptIn(optIn(wanted, true), audited(wanted));
    const updates = () => sent.get('UpdateItemCommand') ?? 0;
    const queries = () => sent.get('QueryCommand') ?? 0;
    const [before, queried] = [updates(), queries()];
    await store.count([wanted, unwanted, wanted, unwanted], '2026-11-20');
    expect(await store.counts(wanted, ['2026-11-20'])).toEqual([{ day: '2026-11-20', matches: 2 }]);
    expect(updates()).toBe(before + 1);
    await store.count([unwanted, unwanted], '2026-11-20');
    expect(updates()).toBe(before + 1);
    expect(queries()).toBe(queried + 1); // the list, read once
  });

  it('an opt-out made by another process stops the counting at once; an opt-in made by this process counts at once', async () => {
    const [counting, other] = [process(), process()];
    const alertId = `alt_o${Math.random().toString(36).slice(2, 8)}`;
    await counting.store.setOptIn(optIn(alertId, true), audited(alertId));
    await counting.store.count([alertId], '2026-11-20');
    await other.store.setOptIn(optIn(alertId, false), audited(alertId));
    await counting.store.count([alertId, alertId], '2026-11-20'); // still listed here: the update's condition refuses it
    expect(await counting.store.counts(alertId, ['2026-11-20'])).toEqual([{ day: '2026-11-20', matches: 1 }]);
    await counting.store.setOptIn(optIn(alertId, true), audited(alertId));
    await counting.store.count([alertId], '2026-11-20');
    expect(await counting.store.counts(alertId, ['2026-11-20'])).toEqual([{ day: '2026-11-20', matches: 2 }]);
  });
});
