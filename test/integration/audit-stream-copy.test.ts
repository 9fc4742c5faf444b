import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { attr } from '#shared/adapters/dynamo/tables.ts';
import { localAuditCopyDir } from '#shared/adapters/local/local-audit-archive.ts';
import type { LocalConfig } from '#shared/config.ts';
import type { Deps } from '#shared/deps.ts';
import type { AuditEntry, AuditEvent } from '#shared/records.ts';
import { buildDeps } from '#shared/runtime.ts';
import { startAuditStreamPoller, type AuditStreamPoller } from '../../infra/local/audit-stream-poller.ts';
import { freshLocalConfig } from '../support/tables.ts';

/**
 * The audit table's write-once copy on DynamoDB Local, with the local server's stream poller:
 * every entry written appears as a read-only file; an item overwritten or deleted in the table
 * (what someone with write access could do) raises a notice on the security topic and is itself
 * recorded on the chain, without any of the item's content.
 */
let dataDir: string;
let config: LocalConfig;
let deps: Deps;
let poller: AuditStreamPoller;
const documents = () => buildDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT });
const copyDir = () => localAuditCopyDir(dataDir);
const canary = 'Canary Q. Person +1 860 555 0199';

const event = (n: number): AuditEvent => ({
  action: 'practice.created',
  actor: { keyId: 'key_admin000000000000000000', role: 'admin' },
  targets: { practiceId: `prc_${String(n).padStart(26, '0')}` },
  outcome: 'success',
});

/** Drains the stream until `done` holds (the poller reads what the stream has at each drain). */
async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let attempt = 0; attempt < 60; attempt += 1) {
    await poller.drain();
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const readCopy = (name: string): string | undefined => {
  try {
    return readFileSync(join(copyDir(), name), 'utf8');
  } catch {
    return undefined;
  }
};

async function entries(): Promise<AuditEntry[]> {
  const { Items } = await documents().send(
    new QueryCommand({
      TableName: config.AUDIT_TABLE,
      KeyConditionExpression: '#c = :c',
      ExpressionAttributeNames: { '#c': attr.chain },
      ExpressionAttributeValues: { ':c': 'c000' },
      ConsistentRead: true,
    }),
  );
  return (Items ?? []) as AuditEntry[];
}

const notices = (): Record<string, unknown>[] => {
  try {
    return readFileSync(join(dataDir, 'notifications.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  } catch {
    return [];
  }
};
const tamperNotices = () => notices().filter((line) => JSON.stringify(line).includes('audit.tampered'));

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pg-audit-stream-'));
  // One chain, so every entry of this one writer is in c000.
  config = await freshLocalConfig(dataDir, { AUDIT_CHAINS: '1' });
  deps = buildDeps(config);
  poller = startAuditStreamPoller(deps, { endpoint: config.DYNAMODB_ENDPOINT!, table: config.AUDIT_TABLE, intervalMs: 0 });
});

afterAll(() => {
  poller?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the write-once copy of the audit table', () => {
  it('copies each entry as it is written, as a read-only file holding exactly the stored item', async () => {
    const written = await deps.audit.append([event(1), event(2), event(3)], new Date());
    const copies = await until('the three copies', () =>
      written.every((entry) => readCopy(`entries/c000/${String(entry.seq).padStart(12, '0')}.json`)) ? true : undefined,
    );
    expect(copies).toBe(true);
    for (const entry of written) {
      const file = join(copyDir(), `entries/c000/${String(entry.seq).padStart(12, '0')}.json`);
      const copy = JSON.parse(readFileSync(file, 'utf8')) as AuditEntry;
      expect(copy).toMatchObject({ seq: entry.seq, hash: entry.hash, prevHash: entry.prevHash, action: 'practice.created' });
      expect(statSync(file).mode & 0o777).toBe(0o400);
      // Never replaced: writing the same name again is refused, the first copy stays.
      expect(() => writeFileSync(file, 'rewritten', { flag: 'wx' })).toThrow(/EEXIST/);
    }
  });

  it('an overwritten entry raises a notice and is recorded as an entry of its own, without the new content', async () => {
    const [victim] = await entries();
    await documents().send(
      new UpdateCommand({
        TableName: config.AUDIT_TABLE,
        Key: { [attr.chain]: 'c000', [attr.seq]: victim!.seq },
        UpdateExpression: 'SET outcome = :o',
        ExpressionAttributeValues: { ':o': canary },
      }),
    );
    const recorded = await until('the audit.tampered entry for the change', async () =>
      (await entries()).find((entry) => entry.action === 'audit.tampered' && entry.outcome === 'modified'),
    );
    expect(recorded).toMatchObject({
      actor: { keyId: 'system:audit-stream', role: 'system' },
      targets: { chain: 'c000', seq: victim!.seq },
      detail: { oldHash: victim!.hash, newHash: victim!.hash },
    });
    expect(recorded.detail?.streamEventId).toEqual(expect.any(String));
    const notice = await until('the security notice', () => tamperNotices().find((line) => JSON.stringify(line).includes('"modified"')));
    expect(JSON.stringify(notice)).toContain(`"seq":${victim!.seq}`);
    // The change's copy (read-only) names it; the overwritten content appears nowhere.
    const change = await until('the copy of the change', () =>
      readCopy(`changes/c000/${String(victim!.seq).padStart(12, '0')}/${String(recorded.detail!.streamEventId)}.json`),
    );
    expect(JSON.parse(change)).toMatchObject({ type: 'peerguard.audit.change.v1', change: 'modified', chain: 'c000', seq: victim!.seq });
    for (const text of [JSON.stringify(recorded), JSON.stringify(notices()), change]) expect(text).not.toContain('Canary');
    // The copy of the entry as first written is untouched.
    expect(JSON.parse(readCopy(`entries/c000/${String(victim!.seq).padStart(12, '0')}.json`)!)).toMatchObject({ outcome: 'success', hash: victim!.hash });
  });

  it('a deleted entry raises a notice and is recorded as an entry of its own', async () => {
    const victim = (await entries()).find((entry) => entry.action === 'practice.created' && entry.seq === 2)!;
    await documents().send(new DeleteCommand({ TableName: config.AUDIT_TABLE, Key: { [attr.chain]: 'c000', [attr.seq]: victim.seq } }));
    const recorded = await until('the audit.tampered entry for the removal', async () =>
      (await entries()).find((entry) => entry.action === 'audit.tampered' && entry.outcome === 'removed'),
    );
    expect(recorded).toMatchObject({ targets: { chain: 'c000', seq: victim.seq }, detail: { oldHash: victim.hash } });
    expect(recorded.detail).not.toHaveProperty('newHash');
    await until('the security notice of the removal', () => tamperNotices().find((line) => JSON.stringify(line).includes('"removed"')));
    expect(readCopy(`entries/c000/${String(victim.seq).padStart(12, '0')}.json`)).toContain(victim.hash);
  });

  it('an item overwritten whole (a Put over an entry) is caught the same way, and each change is recorded once', async () => {
    const victim = (await entries()).find((entry) => entry.seq === 3)!;
    await documents().send(new PutCommand({ TableName: config.AUDIT_TABLE, Item: { ...victim, [attr.chain]: 'c000', detail: { note: canary } } }));
    await until('the second modified entry', async () =>
      (await entries()).filter((entry) => entry.action === 'audit.tampered' && entry.outcome === 'modified').length === 2 ? true : undefined,
    );
    // Draining again (a redelivery from the stream's start) records nothing more.
    const poller2 = startAuditStreamPoller(deps, { endpoint: config.DYNAMODB_ENDPOINT!, table: config.AUDIT_TABLE, intervalMs: 0 });
    try {
      await poller2.drain();
    } finally {
      poller2.stop();
    }
    await poller.drain();
    const tampered = (await entries()).filter((entry) => entry.action === 'audit.tampered');
    expect(tampered.map((entry) => entry.outcome).sort()).toEqual(['modified', 'modified', 'removed']);
    expect(tamperNotices()).toHaveLength(3);
    expect(JSON.stringify(tampered)).not.toContain('Canary');
  });
});
