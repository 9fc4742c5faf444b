import { describe, expect, it } from 'vitest';
import { chainEntries } from '#shared/audit/chain.ts';
import type { AuditEntry, AuditEvent } from '#shared/records.ts';
import { assertLoopback, memoryVerdict, reconcileAudit, type MemorySample, type RecordedRequest } from '../../scripts/lib/soak-reconcile.ts';
import { soakOptions } from '../../scripts/soak.ts';

const practiceActor = { keyId: 'key_desk', role: 'practice' as const, practiceId: 'prc_a' };
const events: AuditEvent[] = [
  { action: 'key.created', actor: { keyId: 'system:local-start', role: 'system' }, targets: { keyId: 'key_admin' }, outcome: 'success' },
  { action: 'alert.submitted', actor: practiceActor, targets: { alertId: 'alt_1', practiceId: 'prc_a' }, outcome: 'pending_review' },
  {
    action: 'alert.approved',
    actor: { keyId: 'key_rev', role: 'reviewer', practiceId: 'prc_b' },
    targets: { alertId: 'alt_1', practiceId: 'prc_a' },
    outcome: 'published',
  },
  {
    action: 'alert.published',
    actor: { keyId: 'key_rev', role: 'reviewer', practiceId: 'prc_b' },
    targets: { alertId: 'alt_1', practiceId: 'prc_a' },
    outcome: 'published',
  },
  {
    action: 'check.performed',
    actor: practiceActor,
    targets: { practiceId: 'prc_a' },
    outcome: 'success',
    bookings: [
      { checkId: 'chk_1', tokenKinds: ['email'], tokenDigests: ['t1'], result: 'match', confidence: 'strong' },
      { checkId: 'chk_2', tokenKinds: ['email'], tokenDigests: ['t2'], result: 'no_match' },
    ],
  },
  {
    action: 'check.performed',
    actor: practiceActor,
    targets: { practiceId: 'prc_a', checkId: 'chk_3' },
    outcome: 'success',
    bookings: [{ checkId: 'chk_3', tokenKinds: ['phone'], tokenDigests: ['t3'], result: 'no_match' }],
  },
];
const log: AuditEntry[] = chainEntries(undefined, events, new Date('2026-11-21T10:00:00Z'));

const requests: RecordedRequest[] = [
  { kind: 'submit', status: 201, allowed: [201], expects: [{ action: 'alert.submitted', key: 'alt_1' }] },
  {
    kind: 'review.approve',
    status: 200,
    allowed: [200],
    expects: [
      { action: 'alert.approved', key: 'alt_1|key_rev' },
      { action: 'alert.published', key: 'alt_1' },
    ],
  },
  { kind: 'batch', status: 200, allowed: [200], expects: [{ action: 'check.performed', key: 'chk_1,chk_2' }] },
  { kind: 'check', status: 200, allowed: [200], expects: [{ action: 'check.performed', key: 'chk_3' }] },
  { kind: 'review.duplicate', status: 409, allowed: [409], expects: [] },
];

describe('reconciling the soak’s requests with the audit log', () => {
  it('every 2xx request with its entry, and the system’s own entry set apart, reconciles cleanly', () => {
    const result = reconcileAudit(requests, log);
    expect(result).toMatchObject({ missingCount: 0, unexplainedCount: 0, systemEntries: 1, serverErrors: 0, unexpectedStatuses: 0, wrongAnswers: [] });
    expect(result.expectedByAction).toEqual({ 'alert.submitted': 1, 'alert.approved': 1, 'alert.published': 1, 'check.performed': 2 });
    expect(result.foundByAction['check.performed']).toBe(2);
    expect(result.kinds['review.duplicate']).toEqual({ requests: 1, byStatus: { '409': 1 } });
  });

  it('a 2xx answer whose entry is not in the log is missing', () => {
    const result = reconcileAudit([...requests, { kind: 'check', status: 200, allowed: [200], expects: [{ action: 'check.performed', key: 'chk_9' }] }], log);
    expect(result.missingCount).toBe(1);
    expect(result.missing).toEqual(['check.performed chk_9']);
  });

  it('an entry no 2xx request accounts for, or one written twice, is unexplained', () => {
    const twice = chainEntries(log.at(-1), [events[5]!], new Date('2026-11-21T10:00:01Z'));
    const result = reconcileAudit(requests, [...log, ...twice]);
    expect(result.unexplainedCount).toBe(1);
    expect(result.unexplained[0]).toContain('check.performed chk_3');
  });

  it('a refused request promises nothing, so an entry written for it is unexplained', () => {
    const refused = requests.map((request) => (request.kind === 'check' ? { ...request, status: 429 } : request));
    const result = reconcileAudit(refused, log);
    expect(result.unexpectedStatuses).toBe(1);
    expect(result.unexplainedCount).toBe(1);
  });

  it('counts 5xx answers, requests that got no answer, and wrong answers', () => {
    const result = reconcileAudit(
      [
        { kind: 'check', status: 503, allowed: [200], expects: [] },
        { kind: 'check', status: 0, allowed: [200], expects: [] },
        { kind: 'check', status: 200, allowed: [200], expects: [], wrongAnswer: 'no_match, not match' },
      ],
      [],
    );
    expect(result).toMatchObject({ serverErrors: 1, networkErrors: 1, unexpectedStatuses: 2, wrongAnswers: ['no_match, not match'] });
  });
});

describe('the soak’s memory verdict', () => {
  const MB = 1_048_576;
  const series = (rss: (i: number) => number, heap: (i: number) => number, n = 30): MemorySample[] =>
    Array.from({ length: n }, (_, i) => ({ t: i * 1000, rss: rss(i) * MB, heapUsed: heap(i) * MB }));

  it('passes a flat series with a warm-up climb and noise', () => {
    const verdict = memoryVerdict(
      series(
        (i) => (i < 5 ? 100 + i * 10 : 150 + (i % 3) * 5),
        (i) => 30 + (i % 4) * 6,
      ),
    );
    expect(verdict.ok, verdict.reason).toBe(true);
    expect(verdict.early!.rss).toBeGreaterThan(140 * MB);
  });

  it('fails a heap that keeps growing', () => {
    const verdict = memoryVerdict(
      series(
        () => 150,
        (i) => 30 + i * 5,
      ),
    );
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toContain('heap grew');
  });

  it('fails an RSS that keeps growing', () => {
    const verdict = memoryVerdict(
      series(
        (i) => 150 + i * 15,
        () => 30,
      ),
    );
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toContain('RSS grew');
  });

  it('will not judge from too few samples', () => {
    expect(
      memoryVerdict(
        series(
          () => 150,
          () => 30,
          5,
        ),
      ).ok,
    ).toBe(false);
  });
});

describe('the soak’s target and options', () => {
  it('talks only to this machine', () => {
    for (const url of ['http://127.0.0.1:3000', 'http://localhost:1', 'http://[::1]:8080', 'http://127.3.4.5']) expect(() => assertLoopback(url)).not.toThrow();
    for (const url of ['http://10.0.0.1:3000', 'https://api.example.org', 'http://127.0.0.1.example.org', 'http://0.0.0.0:3000'])
      expect(() => assertLoopback(url)).toThrow(/only this machine/);
  });

  it('defaults to one minute at concurrency 8 with a request budget, and takes fractions of a minute', () => {
    expect(soakOptions([])).toMatchObject({ minutes: 1, concurrency: 8, maxRequests: 30_000, keep: false });
    expect(soakOptions(['--minutes', '0.5', '--concurrency', '2', '--max-requests', '100', '--out', 'x.json'])).toMatchObject({
      minutes: 0.5,
      concurrency: 2,
      maxRequests: 100,
      out: 'x.json',
    });
    expect(soakOptions([]).out).toMatch(/^bench\/results\/soak-.*\.json$/);
    expect(() => soakOptions(['--minutes', '0'])).toThrow(/--minutes/);
    expect(() => soakOptions(['--minutes', 'ten'])).toThrow(/--minutes/);
    expect(() => soakOptions(['--concurrency', '0'])).toThrow(/--concurrency/);
  });
});
