import { randomBytes } from 'node:crypto';
import { DependencyUnavailableError } from '#shared/errors.ts';
import { describe, expect, inject, it } from 'vitest';
import { buildAuditLog, type AuditLog } from '#shared/adapters/dynamo/audit-log.ts';
import { buildDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { auditTable } from '#shared/adapters/dynamo/tables.ts';
import { entryHash, genesisHash } from '#shared/audit/chain.ts';
import type { AuditEntry, AuditEvent } from '#shared/ports.ts';
import { ensureTables } from '../../infra/local/dynamo-local.ts';
import { collect } from '../support/collect.ts';

/**
 * The audit chain on real DynamoDB Local: writers racing for the next sequence number never
 * fork the chain or leave a gap (conditional Puts, re-read head, retry), and the by-time
 * index finds the first and last entry of a date range.
 */
async function freshLog(): Promise<AuditLog> {
  const endpoint = inject('dynamoEndpoint');
  const table = `t${randomBytes(4).toString('hex')}-audit`;
  await ensureTables(endpoint, [{ definition: auditTable, name: table }]);
  return buildAuditLog(buildDocumentClient({ endpoint }), table);
}

const event = (writer: number, n: number): AuditEvent => ({
  action: 'key.created',
  actor: { keyId: `key_writer${writer}`, role: 'admin' },
  targets: { writer, n },
  outcome: 'success',
});

/** Asserts entries are one unbroken chain from `first` on: consecutive seqs, linked and correct hashes, time never going back. */
function expectOneChain(entries: readonly AuditEntry[], first = 1, prevHash = genesisHash): void {
  entries.forEach((entry, i) => {
    expect(entry.seq).toBe(first + i);
    expect(entry.prevHash).toBe(i === 0 ? prevHash : entries[i - 1]!.hash);
    const { hash, ...unhashed } = entry;
    expect(entryHash(unhashed)).toBe(hash);
    if (i > 0) expect(entry.at >= entries[i - 1]!.at).toBe(true);
  });
}

describe('the DynamoDB audit log', () => {
  it('keeps one gapless chain when 20 writers append at once', async () => {
    const log = await freshLog();
    const writers = 20;
    const rounds = 4;
    // A writer that loses the race for the head too often gets a 503 (nothing written) and, like
    // an API client after Retry-After, tries again. The chain must come out whole either way.
    let busy = 0;
    const append = async (events: AuditEvent[]): Promise<AuditEntry[]> => {
      for (;;) {
        try {
          return await log.append(events, new Date());
        } catch (error) {
          if (!(error instanceof DependencyUnavailableError) || (busy += 1) > 200) throw error;
        }
      }
    };
    await Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        for (let n = 0; n < rounds; n += 1) {
          // Every other append carries two events: they must stay adjacent.
          const events = n % 2 === 0 ? [event(writer, n)] : [event(writer, n), event(writer, n + 100)];
          const appended = await append(events);
          expect(appended.map((entry) => entry.seq)).toEqual(events.map((_e, i) => appended[0]!.seq + i));
        }
      }),
    );
    const expected = writers * (rounds + rounds / 2);
    const head = await log.head();
    expect(head?.seq).toBe(expected);
    const entries = await collect(log.read(1, expected));
    expect(entries).toHaveLength(expected);
    expectOneChain(entries);
    expect(entries.at(-1)).toEqual(head);
    // Every event landed exactly once.
    const written = entries.map((entry) => `${entry.targets.writer}/${entry.targets.n}`).sort();
    expect(new Set(written).size).toBe(expected);
  });

  it('reads any run of entries page by page, in order', async () => {
    const log = await freshLog();
    for (let i = 0; i < 11; i += 1) await log.append([event(0, i)], new Date(Date.UTC(2026, 10, 20, 9, i)));
    const all = await collect(log.read(1, 11, 3));
    expect(all.map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expectOneChain(all);
    expect(await collect(log.read(4, 8, 2))).toEqual(all.slice(3, 8));
    expect(await collect(log.read(12, 20))).toEqual([]);
  });

  it('finds the first entry at or after `from` and the last before `to`, boundaries included and excluded', async () => {
    const log = await freshLog();
    const at = ['2026-11-01T10:00:00Z', '2026-11-02T00:00:00Z', '2026-11-02T12:00:00Z', '2026-11-02T23:59:59Z', '2026-11-03T00:00:00Z', '2026-11-05T08:00:00Z'];
    for (const [i, instant] of at.entries()) await log.append([event(1, i)], new Date(instant));
    const day2 = await log.bounds('2026-11-02T00:00:00Z', '2026-11-03T00:00:00Z');
    expect([day2?.first.seq, day2?.last.seq]).toEqual([2, 4]);
    const days3to5 = await log.bounds('2026-11-03T00:00:00Z', '2026-11-06T00:00:00Z');
    expect([days3to5?.first.at, days3to5?.last.at]).toEqual(['2026-11-03T00:00:00Z', '2026-11-05T08:00:00Z']);
    expect(await log.bounds('2026-11-04T00:00:00Z', '2026-11-05T00:00:00Z')).toBeUndefined();
    expect(await log.bounds('2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z')).toBeUndefined();
  });

  it('never stamps an entry earlier than its predecessor, even when the clock goes back', async () => {
    const log = await freshLog();
    await log.append([event(2, 0)], new Date('2026-11-20T12:00:00Z'));
    const [late] = await log.append([event(2, 1)], new Date('2026-11-20T11:00:00Z'));
    expect(late?.at).toBe('2026-11-20T12:00:00Z');
  });
});
