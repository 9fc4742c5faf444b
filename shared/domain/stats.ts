import type { Deps } from '../deps.ts';
import { addDays, isoDate } from '../dates.ts';
import { dayShards, statsItems } from '../stats/counters.ts';
import { buildStats, summaryOf, type NetworkStats, type StatsSummary } from '../stats/figures.ts';
import { mergeTallies, type ItemTallies } from '../stats/tally.ts';

/** The UTC days the daily figures cover (today included). */
export const statsDays = 14;

/**
 * GET /v1/stats (admin): the network's statistics, from counters kept as it works (a few
 * BatchGetItem calls of fixed size, whatever the network holds), each figure suppressed when
 * fewer than k practices or alerts are behind it (docs/statistics.md).
 */
export async function networkStats(deps: Pick<Deps, 'figures' | 'clock' | 'settings'>): Promise<NetworkStats> {
  const today = deps.clock();
  const days = Array.from({ length: statsDays }, (_, i) => isoDate(addDays(today, i - statsDays + 1)));
  const shards = Array.from({ length: dayShards }, (_, shard) => shard);
  const checkItems = (day: string) => shards.map((shard) => statsItems.checks(day, shard));
  const rescreenItems = (day: string) => shards.map((shard) => statsItems.rescreen(day, shard));
  const items = [statsItems.alerts, statsItems.alertEvents, ...days.flatMap((day) => [...checkItems(day), ...rescreenItems(day), statsItems.notices(day)])];
  const read = await deps.figures.tallies(items);
  const merged = (names: readonly string[]): ItemTallies => {
    const counters = new Set(names.flatMap((name) => Object.keys(read.get(name) ?? {})));
    return Object.fromEntries([...counters].map((counter) => [counter, mergeTallies(names.map((name) => read.get(name)?.[counter]))]));
  };
  return buildStats({
    k: deps.settings.statsMinContributors,
    days,
    alerts: read.get(statsItems.alerts) ?? {},
    alertEvents: read.get(statsItems.alertEvents) ?? {},
    checks: new Map(days.map((day) => [day, merged(checkItems(day))])),
    rescreen: new Map(days.map((day) => [day, merged(rescreenItems(day))])),
    notices: new Map(days.map((day) => [day, read.get(statsItems.notices(day)) ?? {}])),
  });
}

/** GET /v1/stats/summary (public): the totals a funder's report can cite, with the same suppression. */
export async function statsSummary(deps: Pick<Deps, 'figures' | 'clock' | 'settings'>): Promise<StatsSummary> {
  return summaryOf(await networkStats(deps));
}
