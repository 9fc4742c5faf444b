import { alertStatuses, categories, severities, type AlertStatus, type Category, type Severity } from '../records.ts';
import { reviewBucketHours } from './counters.ts';
import { emptyTally, mergeTallies, type ItemTallies, type Tally } from './tally.ts';

/**
 * Turning tallies into figures, with the suppression rule: a figure counted from fewer than k
 * distinct practices, or (for a figure about alerts) fewer than k distinct alerts, is returned as
 * suppressed with the reason, never as a number. Zero counts too: "none" is a figure about fewer
 * than k practices.
 */
export type SuppressionReason = 'fewer_than_k_practices' | 'fewer_than_k_alerts';
export type Figure = { readonly suppressed: false; readonly value: number } | { readonly suppressed: true; readonly reason: SuppressionReason };

/** How a figure's contributors are counted: by practice only, or by practice and alert. */
export type Basis = 'practices' | 'practices_and_alerts';

export function figureOf(tally: Tally, k: number, basis: Basis, value: number = tally.count): Figure {
  if (tally.practices.size < k) return { suppressed: true, reason: 'fewer_than_k_practices' };
  if (basis === 'practices_and_alerts') {
    // A counter without its own alert set counts each alert once (a gauge, a submission): its count is its alerts.
    const alerts = tally.alerts ? tally.alerts.size : tally.count;
    if (alerts < k) return { suppressed: true, reason: 'fewer_than_k_alerts' };
  }
  return { suppressed: false, value };
}

export interface DayStats {
  readonly day: string;
  readonly checks: Figure;
}

export interface NetworkStats {
  readonly k: number;
  /** The UTC days the daily figures cover, oldest first (`to` is today). */
  readonly window: { readonly from: string; readonly to: string; readonly days: number };
  readonly alerts: {
    readonly byStatus: Record<AlertStatus, Figure>;
    readonly byCategory: Record<Category, Figure>;
    readonly bySeverity: Record<Severity, Figure>;
    readonly submitted: Figure;
  };
  readonly outcomes: {
    readonly published: Figure;
    readonly rejected: Figure;
    readonly retracted: Figure;
    readonly expired: Figure;
    readonly disputes: { readonly opened: Figure; readonly upheld: Figure; readonly removed: Figure; readonly open: Figure };
  };
  readonly reviewTimes: { readonly decided: Figure; readonly medianHoursAtMost: Figure; readonly p90HoursAtMost: Figure };
  readonly checks: {
    readonly perDay: DayStats[];
    readonly total: Figure;
    readonly matches: { readonly strong: Figure; readonly possible: Figure };
    readonly matchRate: { readonly strong: Figure; readonly possible: Figure };
  };
  readonly rescreen: { readonly registrations: Figure; readonly notifications: Figure };
  readonly notices: { readonly quotaExceeded: Figure; readonly possibleEnumeration: Figure };
}

/** The tallies the statistics are built from: the two alert items, and per day the merged shards of checks, re-screening and notices. */
export interface StatsInput {
  readonly k: number;
  readonly days: readonly string[];
  readonly alerts: ItemTallies;
  readonly alertEvents: ItemTallies;
  /** Per day, the day's shards merged. */
  readonly checks: ReadonlyMap<string, ItemTallies>;
  readonly rescreen: ReadonlyMap<string, ItemTallies>;
  readonly notices: ReadonlyMap<string, ItemTallies>;
}

/**
 * The bucket bound (hours) under which a `quantile` of the decided alerts were decided: the
 * histogram says "at most", never a finer time. Undefined for an empty histogram; Infinity when
 * the quantile falls in the open last bucket.
 */
export function histogramQuantile(counts: readonly number[], quantile: number): number | undefined {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total === 0) return undefined;
  const rank = Math.ceil(quantile * total);
  let seen = 0;
  for (let i = 0; i < counts.length; i += 1) {
    seen += counts[i]!;
    if (seen >= rank) return reviewBucketHours[i] ?? Number.POSITIVE_INFINITY;
  }
  return Number.POSITIVE_INFINITY;
}

const over = (days: readonly string[], byDay: ReadonlyMap<string, ItemTallies>, counter: string): Tally =>
  mergeTallies(days.map((day) => byDay.get(day)?.[counter]));

export function buildStats(input: StatsInput): NetworkStats {
  const { k, days } = input;
  const event = (counter: string) => input.alertEvents[counter] ?? emptyTally;
  const alertFigure = (tally: Tally) => figureOf(tally, k, 'practices_and_alerts');
  const decided = event('decided');
  const histogram = [...reviewBucketHours.map((hours) => event(`review#${hours}`).count), event('review#over').count];
  // Hours as a figure: shown only when the decided alerts behind it are enough; "over 30 days" is shown as the last bound.
  const hoursFigure = (quantile: number): Figure => {
    const figure = alertFigure(decided);
    if (figure.suppressed) return figure;
    const hours = histogramQuantile(histogram, quantile);
    return { suppressed: false, value: hours === undefined ? 0 : Number.isFinite(hours) ? hours : reviewBucketHours.at(-1)! };
  };
  const checksTotal = over(days, input.checks, 'checks');
  const rate = (matches: Tally): Figure => {
    const count = figureOf(matches, k, 'practices_and_alerts');
    if (count.suppressed) return count;
    const base = figureOf(checksTotal, k, 'practices');
    if (base.suppressed) return base;
    return { suppressed: false, value: checksTotal.count === 0 ? 0 : Math.round((matches.count / checksTotal.count) * 10_000) / 10_000 };
  };
  const strong = over(days, input.checks, 'strong');
  const possible = over(days, input.checks, 'possible');
  return {
    k,
    window: { from: days[0]!, to: days.at(-1)!, days: days.length },
    alerts: {
      byStatus: Object.fromEntries(alertStatuses.map((status) => [status, alertFigure(input.alerts[status] ?? emptyTally)])) as Record<AlertStatus, Figure>,
      byCategory: Object.fromEntries(categories.map((category) => [category, alertFigure(event(`category#${category}`))])) as Record<Category, Figure>,
      bySeverity: Object.fromEntries(severities.map((severity) => [severity, alertFigure(event(`severity#${severity}`))])) as Record<Severity, Figure>,
      submitted: alertFigure(event('submitted')),
    },
    outcomes: {
      published: alertFigure(event('published')),
      rejected: alertFigure(event('rejected')),
      retracted: alertFigure(event('retracted')),
      expired: alertFigure(event('expired')),
      disputes: {
        opened: alertFigure(event('disputed')),
        upheld: alertFigure(event('dispute_upheld')),
        removed: alertFigure(event('dispute_removed')),
        open: alertFigure(input.alerts.suspended ?? emptyTally),
      },
    },
    reviewTimes: { decided: alertFigure(decided), medianHoursAtMost: hoursFigure(0.5), p90HoursAtMost: hoursFigure(0.9) },
    checks: {
      perDay: days.map((day) => ({ day, checks: figureOf(input.checks.get(day)?.checks ?? emptyTally, k, 'practices') })),
      total: figureOf(checksTotal, k, 'practices'),
      matches: { strong: figureOf(strong, k, 'practices_and_alerts'), possible: figureOf(possible, k, 'practices_and_alerts') },
      matchRate: { strong: rate(strong), possible: rate(possible) },
    },
    rescreen: {
      registrations: figureOf(over(days, input.rescreen, 'registered'), k, 'practices'),
      notifications: figureOf(over(days, input.rescreen, 'notified'), k, 'practices_and_alerts'),
    },
    notices: {
      quotaExceeded: figureOf(over(days, input.notices, 'quota_exceeded'), k, 'practices'),
      possibleEnumeration: figureOf(over(days, input.notices, 'possible_enumeration'), k, 'practices'),
    },
  };
}

/** What a funder's report may cite: the network-wide totals, without the per-day series nor the security notices. */
export interface StatsSummary {
  readonly k: number;
  readonly window: NetworkStats['window'];
  readonly alerts: { readonly published: Figure; readonly submitted: Figure; readonly byCategory: Record<Category, Figure> };
  readonly outcomes: NetworkStats['outcomes'];
  readonly reviewTimes: NetworkStats['reviewTimes'];
  readonly checks: Omit<NetworkStats['checks'], 'perDay'>;
  readonly rescreen: NetworkStats['rescreen'];
}

export function summaryOf(stats: NetworkStats): StatsSummary {
  const { perDay: _perDay, ...checks } = stats.checks;
  return {
    k: stats.k,
    window: stats.window,
    alerts: { published: stats.alerts.byStatus.published, submitted: stats.alerts.submitted, byCategory: stats.alerts.byCategory },
    outcomes: stats.outcomes,
    reviewTimes: stats.reviewTimes,
    checks,
    rescreen: stats.rescreen,
  };
}
