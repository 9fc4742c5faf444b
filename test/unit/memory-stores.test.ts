/** The in-memory fakes keep the promises of the ports they stand in for; these tests pin them. */
import { describe, expect, it } from 'vitest';
import { StaleAlertError } from '#shared/ports.ts';
import type { AlertRecord, IdempotencyRecord, IndexedAlert } from '#shared/records.ts';
import { settableClock } from '../fakes/deps.ts';
import { collect } from '../support/collect.ts';
import { memoryAlertStore, memoryTokenIndex } from '../fakes/memory-stores.ts';
import { memoryAuditLog } from '../fakes/memory-audit.ts';

/** These tests are about the stores; the audit side has its own. */
const batch = { events: [], now: new Date('2026-11-21T00:00:00Z') };

const alert = (alertId: string, submittedAt: string, extra: Partial<AlertRecord> = {}) =>
  ({
    alertId,
    practiceId: 'prc_a',
    status: 'pending_review',
    submittedAt,
    tokens: [{ kind: 'phone', token: 't1' }],
    reviews: [],
    history: [],
    version: 1,
    ...extra,
  }) as unknown as AlertRecord;
const record = (alertId: string, expiresAt: string): IdempotencyRecord => ({
  practiceId: 'prc_a',
  key: 'k',
  fingerprint: 'f',
  alertId,
  response: { alertId },
  expiresAt,
});
const entry = {
  alertId: 'alt_1',
  practiceId: 'prc_a',
  category: 'harassment',
  severity: 'low',
  publishedOn: '2026-11-21',
  expiresAt: '2028-11-20T00:00:00Z',
} as IndexedAlert;

function stores() {
  const clock = settableClock(new Date('2026-11-21T00:00:00Z'));
  const index = memoryTokenIndex();
  return { clock, index, alerts: memoryAlertStore(index, clock, memoryAuditLog()) };
}

describe('memory alert store', () => {
  it('writes only on top of the version it was told it read', async () => {
    const { alerts } = stores();
    await alerts.create(alert('alt_1', '2026-11-21T00:00:00Z'), undefined, batch);
    await alerts.update({ ...alert('alt_1', '2026-11-21T00:00:00Z'), version: 2 }, 1, undefined, batch);
    await expect(alerts.update({ ...alert('alt_1', '2026-11-21T00:00:00Z'), version: 2 }, 1, undefined, batch)).rejects.toThrow(StaleAlertError);
    await expect(alerts.update(alert('alt_missing', '2026-11-21T00:00:00Z'), 0, undefined, batch)).rejects.toThrow(StaleAlertError);
    expect((await alerts.get('alt_1'))!.version).toBe(2);
  });

  it('returns the fresh idempotency record instead of creating, and replaces a stale one', async () => {
    const { alerts, clock } = stores();
    expect(await alerts.create(alert('alt_1', 'x'), record('alt_1', '2026-11-22T00:00:00Z'), batch)).toEqual({ created: true });
    expect(await alerts.create(alert('alt_2', 'x'), record('alt_2', '2026-11-22T00:00:00Z'), batch)).toEqual({
      created: false,
      existing: record('alt_1', '2026-11-22T00:00:00Z'),
    });
    expect(await alerts.get('alt_2')).toBeUndefined();
    clock.advanceDays(1);
    expect(await alerts.getIdempotency('prc_a', 'k', clock())).toBeUndefined();
    expect(await alerts.create(alert('alt_3', 'x'), record('alt_3', '2026-11-23T00:00:00Z'), batch)).toEqual({ created: true });
  });

  it('lists pending alerts oldest first', async () => {
    const { alerts } = stores();
    await alerts.create(alert('alt_b', '2026-11-21T10:00:00Z'), undefined, batch);
    await alerts.create(alert('alt_a', '2026-11-21T09:00:00Z'), undefined, batch);
    await alerts.create(alert('alt_c', '2026-11-21T08:00:00Z', { status: 'rejected' }), undefined, batch);
    expect((await collect(alerts.pendingReview())).map((a) => a.alertId)).toEqual(['alt_a', 'alt_b']);
  });

  it('applies the token-index change with the write, and hands out copies', async () => {
    const { alerts, index } = stores();
    await alerts.create(alert('alt_1', 'x'), undefined, batch);
    await alerts.update({ ...alert('alt_1', 'x'), status: 'published', version: 2 }, 1, { publish: entry }, batch);
    expect((await index.lookup(['t1', 't2'])).get('t1')).toEqual([entry]);
    await alerts.update({ ...alert('alt_1', 'x'), status: 'retracted', version: 3 }, 2, { unpublish: true }, batch);
    expect((await index.lookup(['t1'])).get('t1')).toEqual([]);

    const read = (await alerts.get('alt_1'))! as { status: string };
    read.status = 'published';
    expect((await alerts.get('alt_1'))!.status).toBe('retracted');
  });
});
