import { describe, expect, it } from 'vitest';
import { assertMove, canMove, effectiveStatus, isMatchable } from '#shared/alerts/state-machine.ts';
import { ConflictError } from '#shared/errors.ts';
import { alertStatuses, type AlertStatus } from '#shared/records.ts';

/** The diagram from docs/api-v1.md, written out independently of the code. */
const legal = new Set([
  'pending_review→published',
  'pending_review→rejected',
  'published→suspended',
  'published→retracted',
  'published→expired',
  'suspended→published',
  'suspended→retracted',
]);

const allMoves = alertStatuses.flatMap((from) => alertStatuses.map((to) => [from, to] as [AlertStatus, AlertStatus]));

describe('status transitions', () => {
  it.each(allMoves)('%s → %s is legal only if the contract lists it', (from, to) => {
    const allowed = legal.has(`${from}→${to}`);
    expect(canMove(from, to)).toBe(allowed);
    if (allowed) expect(() => assertMove(from, to)).not.toThrow();
    else expect(() => assertMove(from, to)).toThrow(ConflictError);
  });

  it('has no way out of rejected, retracted or expired', () => {
    for (const end of ['rejected', 'retracted', 'expired'] as const) {
      expect(alertStatuses.filter((to) => canMove(end, to))).toEqual([]);
    }
  });
});

describe('effectiveStatus', () => {
  const expiresAt = '2028-11-20T10:00:00Z';
  const at = (iso: string) => new Date(iso);

  it('reads a published alert as expired from its expiresAt on', () => {
    const alert = { status: 'published' as const, expiresAt };
    expect(effectiveStatus(alert, at('2028-11-20T09:59:59.999Z'))).toBe('published');
    expect(effectiveStatus(alert, at('2028-11-20T10:00:00Z'))).toBe('expired');
    expect(effectiveStatus(alert, at('2030-01-01T00:00:00Z'))).toBe('expired');
    expect(isMatchable(alert, at('2028-11-20T09:59:59Z'))).toBe(true);
    expect(isMatchable(alert, at('2028-11-20T10:00:00Z'))).toBe(false);
  });

  it('leaves other statuses as stored, past expiry or not', () => {
    for (const status of ['pending_review', 'rejected', 'suspended', 'retracted'] as const) {
      expect(effectiveStatus({ status, expiresAt }, at('2030-01-01T00:00:00Z'))).toBe(status);
      expect(isMatchable({ status, expiresAt }, at('2020-01-01T00:00:00Z'))).toBe(false);
    }
  });

  it('keeps a published alert without expiresAt published', () => {
    expect(effectiveStatus({ status: 'published', expiresAt: undefined }, at('2100-01-01T00:00:00Z'))).toBe('published');
  });
});
