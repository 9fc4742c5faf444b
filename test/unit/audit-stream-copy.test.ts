import { describe, expect, it } from 'vitest';
import { auditChangeOf } from '#shared/adapters/dynamo/audit-stream-records.ts';
import { copyName, tamperEvent } from '#shared/audit/stream-copy.ts';
import { copyAuditChanges } from '#shared/domain/audit-stream.ts';
import type { AuditChange } from '#shared/records.ts';
import { buildTestDeps } from '../fakes/deps.ts';

/**
 * What the audit table's stream copy does with each change, on in-memory ports: entries are
 * copied once as they are; a modify or remove is recorded on the chain, told to the security
 * topic and copied as a change record holding positions and hashes only.
 */
const hash = (c: string) => c.repeat(64);
const entry = (seq: number, extra: Record<string, unknown> = {}) => ({
  chain: 'main',
  seq,
  atSeq: `2026-11-21T19:04:05Z#${seq}`,
  action: 'practice.created',
  outcome: 'success',
  prevHash: hash('0'),
  hash: hash('a'),
  ...extra,
});
const change = (
  kind: AuditChange['kind'],
  seq: number,
  images: Partial<Pick<AuditChange, 'newItem' | 'oldItem'>>,
  eventId = `ev-${kind}-${seq}`,
): AuditChange => ({
  eventId,
  position: `${seq}000${kind.length}`,
  kind,
  at: '2026-11-22T10:00:00Z',
  chain: 'main',
  seq,
  ...images,
});
const canary = 'Canary Q. Person, born 1980-02-29';

describe('copyAuditChanges', () => {
  it('copies inserted entries exactly, once; a redelivery leaves the first copy', async () => {
    const deps = buildTestDeps();
    const first = change('insert', 7, { newItem: entry(7) });
    expect(await copyAuditChanges(deps, [first])).toEqual({ copied: 1, tampered: 0 });
    expect(await copyAuditChanges(deps, [{ ...first, newItem: entry(7, { outcome: 'rewritten' }) }])).toEqual({ copied: 0, tampered: 0 });
    expect(JSON.parse(deps.memory.archive.get('entries/main/000000000007.json')!)).toEqual(entry(7));
    expect(deps.memory.audit.entries).toHaveLength(0);
    expect(deps.sent).toEqual([]);
  });

  it('records a modify and a remove on the chain, tells the security topic, and copies a change record without content', async () => {
    const deps = buildTestDeps();
    const modified = change('modify', 3, { oldItem: entry(3), newItem: entry(3, { outcome: canary, hash: hash('b') }) });
    const removed = change('remove', 4, { oldItem: entry(4) });
    expect(await copyAuditChanges(deps, [modified, removed])).toEqual({ copied: 0, tampered: 2 });

    expect(deps.memory.audit.entries.map(({ action, actor, targets, outcome, detail }) => ({ action, actor, targets, outcome, detail }))).toEqual([
      {
        action: 'audit.tampered',
        actor: { keyId: 'system:audit-stream', role: 'system' },
        targets: { chain: 'main', seq: 3 },
        outcome: 'modified',
        detail: { changedAt: '2026-11-22T10:00:00Z', streamEventId: 'ev-modify-3', oldHash: hash('a'), newHash: hash('b') },
      },
      {
        action: 'audit.tampered',
        actor: { keyId: 'system:audit-stream', role: 'system' },
        targets: { chain: 'main', seq: 4 },
        outcome: 'removed',
        detail: { changedAt: '2026-11-22T10:00:00Z', streamEventId: 'ev-remove-4', oldHash: hash('a') },
      },
    ]);
    expect(deps.sent).toEqual([
      { topic: 'security', type: 'audit.tampered', change: 'modified', chain: 'main', seq: 3, at: '2026-11-21T19:04:05Z' },
      { topic: 'security', type: 'audit.tampered', change: 'removed', chain: 'main', seq: 4, at: '2026-11-21T19:04:05Z' },
    ]);
    expect(JSON.parse(deps.memory.archive.get('changes/main/000000000003/ev-modify-3.json')!)).toEqual({
      type: 'peerguard.audit.change.v1',
      change: 'modified',
      chain: 'main',
      seq: 3,
      changedAt: '2026-11-22T10:00:00Z',
      streamEventId: 'ev-modify-3',
      oldHash: hash('a'),
      newHash: hash('b'),
    });
    const everything = JSON.stringify([deps.memory.audit.entries, deps.sent, [...deps.memory.archive], deps.logLines]);
    expect(everything).not.toContain('Canary');
    // Kept for the admin's overview too.
    expect((await deps.figures.latestNotices(10)).map((notice) => notice.type)).toEqual(['audit.tampered', 'audit.tampered']);
  });

  it('never copies what a rewritten item put in its hash or key: only a hex SHA-256 and a plain chain name pass', () => {
    const odd = change('modify', 5, { oldItem: entry(5, { hash: canary }), newItem: entry(5, { hash: canary }) });
    const event = tamperEvent({ ...odd, chain: canary });
    expect(event).toMatchObject({ targets: { chain: 'unrecognised', seq: 5 }, detail: { streamEventId: 'ev-modify-5' } });
    expect(JSON.stringify(event)).not.toContain('Canary');
    expect(copyName({ ...odd, chain: '../../etc', eventId: 'a/b' })).toBe('changes/unrecognised/000000000005/a_b.json');
  });

  it('a change handled already (its copy exists) is not recorded again on redelivery', async () => {
    const deps = buildTestDeps();
    const removed = change('remove', 4, { oldItem: entry(4) });
    await copyAuditChanges(deps, [removed]);
    expect(await copyAuditChanges(deps, [removed])).toEqual({ copied: 0, tampered: 0 });
    expect(deps.memory.audit.entries).toHaveLength(1);
    expect(deps.sent).toHaveLength(1);
  });

  it('stops at the first change that fails and reports it, leaving it (and what follows) to be delivered again, never lost', async () => {
    const deps = buildTestDeps();
    let failOnce = true;
    const archive = deps.archive;
    const flaky = {
      ...archive,
      put: async (name: string, body: string) => {
        if (name.startsWith('changes/') && failOnce) {
          failOnce = false;
          throw new Error('store unavailable');
        }
        return archive.put(name, body);
      },
    };
    const failing = { ...deps, archive: flaky };
    const batch = [change('insert', 8, { newItem: entry(8) }), change('remove', 2, { oldItem: entry(2) }), change('insert', 9, { newItem: entry(9) })];
    const report = await copyAuditChanges(failing, batch);
    expect(report).toEqual({ copied: 1, tampered: 0, failedAt: batch[1] });
    expect(deps.memory.archive.has('entries/main/000000000009.json')).toBe(false);
    expect(deps.logLines.some((line) => line.message === 'audit stream copy failed')).toBe(true);
    // Delivered again from the failed change: handled, and the entry after it copied.
    expect(await copyAuditChanges(failing, batch.slice(1))).toEqual({ copied: 1, tampered: 1 });
    // The first attempt had recorded and told it before its copy failed: recorded twice, with the same stream event id.
    const tampered = deps.memory.audit.entries.filter((e) => e.action === 'audit.tampered');
    expect(tampered.map((e) => e.detail?.streamEventId)).toEqual(['ev-remove-2', 'ev-remove-2']);
  });
});

describe('auditChangeOf (a stream record, as Lambda and GetRecords give it)', () => {
  it('reads the key, the kind, the instant and both images from the wire format', () => {
    const record = {
      eventID: 'e1',
      eventName: 'MODIFY',
      dynamodb: {
        Keys: { chain: { S: 'main' }, seq: { N: '12' } },
        OldImage: { chain: { S: 'main' }, seq: { N: '12' }, hash: { S: hash('a') } },
        NewImage: { chain: { S: 'main' }, seq: { N: '12' }, hash: { S: hash('b') } },
        SequenceNumber: '4900',
        ApproximateCreationDateTime: Date.parse('2026-11-19T08:26:40Z') / 1000,
      },
    };
    expect(auditChangeOf(record)).toEqual({
      eventId: 'e1',
      position: '4900',
      kind: 'modify',
      at: '2026-11-19T08:26:40Z',
      chain: 'main',
      seq: 12,
      oldItem: { chain: 'main', seq: 12, hash: hash('a') },
      newItem: { chain: 'main', seq: 12, hash: hash('b') },
    });
    expect(
      auditChangeOf({
        ...record,
        eventName: 'REMOVE',
        dynamodb: { ...record.dynamodb, NewImage: undefined, ApproximateCreationDateTime: new Date('2026-11-19T08:26:40.500Z') },
      }),
    ).toMatchObject({ kind: 'remove', at: '2026-11-19T08:26:40Z', newItem: undefined });
    expect(() => auditChangeOf({ eventName: 'INSERT' })).toThrow('not a DynamoDB stream record of the audit table');
  });
});
