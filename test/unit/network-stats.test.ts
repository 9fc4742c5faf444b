import { beforeEach, describe, expect, it } from 'vitest';
import { networkStats, statsSummary } from '#shared/domain/stats.ts';
import { newId } from '#shared/ids.ts';
import type { AlertRecord, AlertStatus } from '#shared/records.ts';
import { alertMoves, checkMoves, noticeMoves, registrationsCounted, rescreenNotified } from '#shared/stats/counters.ts';
import { histogramQuantile, type Figure, type NetworkStats } from '#shared/stats/figures.ts';
import { slotOf, type TallyMove } from '#shared/stats/tally.ts';
import { buildTestDeps } from '../fakes/deps.ts';

/**
 * The suppression rule, figure by figure: counted from k−1 practices (or alerts) a figure is
 * suppressed, never a small number; from k it is shown. Every contribution here comes from a
 * distinct practice (and a distinct alert), with ids whose contributor slots differ, so the
 * edge is exactly k.
 */
const now = new Date('2026-11-21T15:00:00Z');
const usedSlots = new Set<number>();
beforeEach(() => usedSlots.clear());
/** A fresh id of this prefix whose slot no other id of the test uses. */
function distinctId(prefix: 'prc' | 'alt'): string {
  for (;;) {
    const id = newId(prefix);
    if (!usedSlots.has(slotOf(id))) {
      usedSlots.add(slotOf(id));
      return id;
    }
  }
}

const alert = (
  practiceId: string,
  alertId: string,
  status: AlertStatus,
): Pick<AlertRecord, 'alertId' | 'practiceId' | 'status' | 'submittedAt' | 'incident'> => ({
  alertId,
  practiceId,
  status,
  submittedAt: '2026-11-20T15:00:00Z',
  incident: { occurredOn: '2026-11-01', category: 'harassment', severity: 'high', witnesses: 0 } as AlertRecord['incident'],
});

type Contribution = (practiceId: string, alertId: string) => TallyMove[];
const submitted: Contribution = (p, a) => alertMoves(undefined, alert(p, a, 'pending_review'), now);
const moved =
  (from: AlertStatus, to: AlertStatus): Contribution =>
  (p, a) =>
    alertMoves(from, alert(p, a, to), now);
const screened: Contribution = (p, a) => checkMoves(p, now, { bookings: 4, strongAlertIds: [[a]], possibleAlertIds: [[a]] });

/** Each figure, what one practice's contribution to it is, and the value k contributions make (k = 5). */
const cases: [string, (stats: NetworkStats) => Figure, Contribution, number][] = [
  ['alerts pending review', (s) => s.alerts.byStatus.pending_review, submitted, 5],
  ['alerts published now', (s) => s.alerts.byStatus.published, (p, a) => [...submitted(p, a), ...moved('pending_review', 'published')(p, a)], 5],
  ['alerts submitted', (s) => s.alerts.submitted, submitted, 5],
  ['alerts by category', (s) => s.alerts.byCategory.harassment, submitted, 5],
  ['alerts by severity', (s) => s.alerts.bySeverity.high, submitted, 5],
  ['publications', (s) => s.outcomes.published, moved('pending_review', 'published'), 5],
  ['rejections', (s) => s.outcomes.rejected, moved('pending_review', 'rejected'), 5],
  ['retractions', (s) => s.outcomes.retracted, moved('published', 'retracted'), 5],
  ['expiries', (s) => s.outcomes.expired, moved('published', 'expired'), 5],
  ['disputes opened', (s) => s.outcomes.disputes.opened, moved('published', 'suspended'), 5],
  ['disputes upheld', (s) => s.outcomes.disputes.upheld, moved('suspended', 'published'), 5],
  ['disputes ending in retraction', (s) => s.outcomes.disputes.removed, moved('suspended', 'retracted'), 5],
  [
    'disputes open',
    (s) => s.outcomes.disputes.open,
    (p, a) => [...submitted(p, a), ...moved('pending_review', 'published')(p, a), ...moved('published', 'suspended')(p, a)],
    5,
  ],
  ['alerts decided by review', (s) => s.reviewTimes.decided, moved('pending_review', 'published'), 5],
  ['median review time', (s) => s.reviewTimes.medianHoursAtMost, moved('pending_review', 'published'), 24],
  ['90th percentile review time', (s) => s.reviewTimes.p90HoursAtMost, moved('pending_review', 'rejected'), 24],
  ['bookings screened', (s) => s.checks.total, screened, 20],
  ["today's bookings screened", (s) => s.checks.perDay.at(-1)!.checks, screened, 20],
  ['strong matches', (s) => s.checks.matches.strong, screened, 5],
  ['possible matches', (s) => s.checks.matches.possible, screened, 5],
  ['strong match rate', (s) => s.checks.matchRate.strong, screened, 0.25],
  ['possible match rate', (s) => s.checks.matchRate.possible, screened, 0.25],
  ['booking registrations', (s) => s.rescreen.registrations, (p) => registrationsCounted(p, now, 3), 15],
  ['re-screen notifications', (s) => s.rescreen.notifications, (p, a) => rescreenNotified(p, a, 'strong', now), 5],
  [
    'quota notices',
    (s) => s.notices.quotaExceeded,
    (p) => noticeMoves({ topic: 'security', type: 'screening.quota_exceeded', practiceId: p, window: 'minute', limit: 120, at: '2026-11-21T14:00:00Z' }),
    5,
  ],
  [
    'enumeration notices',
    (s) => s.notices.possibleEnumeration,
    (p) =>
      noticeMoves({
        topic: 'security',
        type: 'screening.possible_enumeration',
        practiceId: p,
        budget: 200,
        day: '2026-11-21',
        slowedUntil: '2026-11-22T14:10:00Z',
        at: '2026-11-21T14:10:00Z',
      }),
    5,
  ],
];

async function statsAfter(contributions: number, contribute: Contribution, practices = () => distinctId('prc'), k = 5) {
  const deps = buildTestDeps();
  deps.clock.set(now);
  for (let i = 0; i < contributions; i += 1) deps.memory.figures.apply(contribute(practices(), distinctId('alt')));
  return networkStats({ ...deps, settings: { ...deps.settings, statsMinContributors: k } });
}

describe('statistics suppression (k = 5)', () => {
  for (const [name, pick, contribute, value] of cases) {
    it(`${name}: suppressed from 4 practices, shown from 5`, async () => {
      expect(pick(await statsAfter(4, contribute))).toEqual({ suppressed: true, reason: 'fewer_than_k_practices' });
      expect(pick(await statsAfter(5, contribute))).toEqual({ suppressed: false, value });
    });
  }

  it('a figure of nothing at all is suppressed too: "none" is a figure about fewer than k practices', async () => {
    const stats = await statsAfter(0, submitted);
    expect(stats.alerts.submitted).toEqual({ suppressed: true, reason: 'fewer_than_k_practices' });
    expect(stats.checks.perDay).toHaveLength(14);
    expect(stats.checks.perDay.every(({ checks }) => checks.suppressed)).toBe(true);
  });

  it('many alerts from fewer than k practices stay suppressed, however many there are', async () => {
    const practices = ['a', 'b', 'c', 'd'].map(() => distinctId('prc'));
    let i = 0;
    const stats = await statsAfter(40, submitted, () => practices[i++ % practices.length]!);
    expect(stats.alerts.submitted).toEqual({ suppressed: true, reason: 'fewer_than_k_practices' });
  });

  it('k practices matching fewer than k alerts: the match figures are suppressed for the alerts', async () => {
    const shared = ['1', '2', '3', '4'].map(() => distinctId('alt'));
    const deps = buildTestDeps();
    deps.clock.set(now);
    for (let i = 0; i < 6; i += 1)
      deps.memory.figures.apply(checkMoves(distinctId('prc'), now, { bookings: 2, strongAlertIds: [[shared[i % 4]!]], possibleAlertIds: [] }));
    const stats = await networkStats(deps);
    expect(stats.checks.total).toEqual({ suppressed: false, value: 12 });
    expect(stats.checks.matches.strong).toEqual({ suppressed: true, reason: 'fewer_than_k_alerts' });
    expect(stats.checks.matchRate.strong).toEqual({ suppressed: true, reason: 'fewer_than_k_alerts' });
  });

  it('a status count forgets the practices whose alerts left the status', async () => {
    const deps = buildTestDeps();
    deps.clock.set(now);
    const five = [1, 2, 3, 4, 5].map(() => ({ p: distinctId('prc'), a: distinctId('alt') }));
    for (const { p, a } of five) deps.memory.figures.apply(submitted(p, a));
    expect((await networkStats(deps)).alerts.byStatus.pending_review).toEqual({ suppressed: false, value: 5 });
    deps.memory.figures.apply(moved('pending_review', 'published')(five[0]!.p, five[0]!.a));
    expect((await networkStats(deps)).alerts.byStatus.pending_review).toEqual({ suppressed: true, reason: 'fewer_than_k_practices' });
  });

  it('k comes from the settings', async () => {
    expect((await statsAfter(3, submitted, undefined, 3)).alerts.submitted).toEqual({ suppressed: false, value: 3 });
    expect((await statsAfter(3, submitted, undefined, 4)).alerts.submitted).toEqual({ suppressed: true, reason: 'fewer_than_k_practices' });
  });

  it('the public summary carries the same figures, without the per-day series and the security notices', async () => {
    const deps = buildTestDeps();
    deps.clock.set(now);
    for (let i = 0; i < 5; i += 1) deps.memory.figures.apply(submitted(distinctId('prc'), distinctId('alt')));
    const [full, summary] = [await networkStats(deps), await statsSummary(deps)];
    expect(summary.alerts.submitted).toEqual(full.alerts.submitted);
    expect(summary.alerts.published).toEqual(full.alerts.byStatus.published);
    expect(Object.keys(summary.checks)).toEqual(['total', 'matches', 'matchRate']);
    expect(summary).not.toHaveProperty('notices');
    expect(JSON.stringify(summary)).not.toMatch(/prc_|alt_|chk_/);
  });
});

describe('review-time histogram', () => {
  it('reads the median and the 90th percentile as bucket bounds', () => {
    // 1 h, 2 h, 4 h, 8 h, 12 h, 24 h, 48 h, 72 h, 120 h, 168 h, 336 h, 720 h, over
    expect(histogramQuantile([0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0], 0.5)).toBe(24);
    expect(histogramQuantile([5, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0], 0.5)).toBe(1);
    expect(histogramQuantile([5, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0], 0.9)).toBe(24);
    expect(histogramQuantile([5, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0], 0.95)).toBe(48);
    expect(histogramQuantile([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3], 0.5)).toBe(Number.POSITIVE_INFINITY);
    expect(histogramQuantile(Array(13).fill(0), 0.5)).toBeUndefined();
  });

  it('puts a decision in the bucket of its time since submission', async () => {
    const deps = buildTestDeps();
    deps.clock.set(now);
    const hours = [0.5, 3, 3, 30, 800];
    for (const h of hours) {
      const decidedAt = new Date(Date.parse('2026-11-01T00:00:00Z') + h * 3_600_000);
      deps.memory.figures.apply(
        alertMoves('pending_review', { ...alert(distinctId('prc'), distinctId('alt'), 'published'), submittedAt: '2026-11-01T00:00:00Z' }, decidedAt),
      );
    }
    const { reviewTimes } = await networkStats(deps);
    expect(reviewTimes.medianHoursAtMost).toEqual({ suppressed: false, value: 4 });
    // The 90th percentile falls in the open bucket (over 30 days): shown as the last bound.
    expect(reviewTimes.p90HoursAtMost).toEqual({ suppressed: false, value: 720 });
  });
});
