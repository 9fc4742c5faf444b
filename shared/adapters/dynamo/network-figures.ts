import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../../dates.ts';
import { newId } from '../../ids.ts';
import type { NetworkFigures } from '../../ports.ts';
import { alertStatuses, type AlertStatus, type DayFigures, type SecurityNotification } from '../../records.ts';
import { dailyItemsKeptForDays, dayShards, isDailyItem, noticeMoves, statsItems } from '../../stats/counters.ts';
import { groupMoves, type ItemTallies, type Tally, type TallyMove } from '../../stats/tally.ts';
import { batchGetAll } from './batch-get.ts';
import { storage } from './errors.ts';
import { attr } from './tables.ts';

/**
 * The network's counters and notices, in the main table, written inside the transactions that
 * already exist (an alert's write, a screening round's quota update), so a figure moves exactly
 * when what it counts happens. The counters are tallies (shared/stats/tally.ts), one item per
 * `STATS` / `<item>` (shared/stats/counters.ts lists them). In an item, a counter `c` is held as
 * the number `c`, its contributors' slots as the number sets `p#c` (practices) and `a#c` (alerts),
 * and a gauge's per-slot counts as the numbers `g#c#<slot>`.
 *
 * Daily items (checks, re-screening) are spread over a few items by practice, so that screening
 * rounds of different practices rarely touch the same item (two writes to one item cannot share a
 * transaction, which would undo the audit log's group commit). Security notices are kept as sent
 * under `NOTICES` / `<at>#<seq>`, 90 days.
 */
const statsPk = 'STATS';
const noticesPk = 'NOTICES';
const noticesKeptFor = 90 * 86_400;

const statsKey = (item: string) => ({ [attr.pk]: statsPk, [attr.sk]: item });
const countName = (counter: string) => counter;
const practicesName = (counter: string) => `p#${counter}`;
const alertsName = (counter: string) => `a#${counter}`;
const gaugeName = (counter: string, slot: number) => `g#${counter}#${slot}`;

/**
 * The updates that apply these moves: one per stats item (a transaction may touch an item only
 * once), to add to a transaction beside the write of the action counted. Daily items expire
 * 20 days after their last write.
 */
export function tallyUpdates(table: string, moves: readonly TallyMove[], now: Date) {
  return [...groupMoves(moves)].map(([item, counters]) => {
    const adds: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    let n = 0;
    const add = (name: string, value: unknown) => {
      n += 1;
      names[`#a${n}`] = name;
      values[`:a${n}`] = value;
      adds.push(`#a${n} :a${n}`);
    };
    for (const [counter, change] of counters) {
      add(countName(counter), change.by);
      if (change.practiceSlots.size > 0) add(practicesName(counter), change.practiceSlots);
      if (change.alertSlots.size > 0) add(alertsName(counter), change.alertSlots);
      for (const [slot, by] of change.gaugeSlots) add(gaugeName(counter, slot), by);
    }
    const daily = isDailyItem(item);
    if (daily) {
      names['#ttl'] = attr.ttl;
      values[':ttl'] = epochSeconds(now) + dailyItemsKeptForDays * 86_400;
    }
    return {
      Update: {
        TableName: table,
        Key: statsKey(item),
        UpdateExpression: `ADD ${adds.join(', ')}${daily ? ' SET #ttl = :ttl' : ''}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  });
}

/** One stats item's attributes as tallies (see the layout above). */
export function readTallies(item: Record<string, unknown>): ItemTallies {
  const counts = new Map<string, number>();
  const practices = new Map<string, Set<number>>();
  const alerts = new Map<string, Set<number>>();
  const gauges = new Map<string, Set<number>>();
  for (const [name, value] of Object.entries(item)) {
    if (name === attr.pk || name === attr.sk || name === attr.ttl) continue;
    if (name.startsWith('p#')) practices.set(name.slice(2), new Set(value as Set<number>));
    else if (name.startsWith('a#')) alerts.set(name.slice(2), new Set(value as Set<number>));
    else if (name.startsWith('g#')) {
      const cut = name.lastIndexOf('#');
      const counter = name.slice(2, cut);
      if (!gauges.has(counter)) gauges.set(counter, new Set());
      if (Number(value) > 0) gauges.get(counter)!.add(Number(name.slice(cut + 1)));
    } else if (typeof value === 'number') counts.set(name, value);
  }
  const out: Record<string, Tally> = {};
  for (const [counter, count] of counts) {
    out[counter] = { count, practices: gauges.get(counter) ?? practices.get(counter) ?? new Set(), alerts: alerts.get(counter) };
  }
  return out;
}

/**
 * Replaces the alert items outright with what these moves add up to (`npm run admin --
 * recount-alerts`): for a network that had alerts before the counters existed. Moves made while
 * it runs are lost to the counts: run it when quiet.
 */
export async function replaceAlertTallies(client: DynamoDBDocumentClient, table: string, moves: readonly TallyMove[]): Promise<void> {
  const grouped = groupMoves(moves);
  for (const item of [statsItems.alerts, statsItems.alertEvents]) {
    const attributes: Record<string, unknown> = {};
    // Every status is written (0 when none), as the overview reads them.
    if (item === statsItems.alerts) for (const status of alertStatuses) attributes[status] = 0;
    for (const [counter, change] of grouped.get(item) ?? []) {
      attributes[countName(counter)] = change.by;
      if (change.practiceSlots.size > 0) attributes[practicesName(counter)] = change.practiceSlots;
      if (change.alertSlots.size > 0) attributes[alertsName(counter)] = change.alertSlots;
      for (const [slot, by] of change.gaugeSlots) if (by !== 0) attributes[gaugeName(counter, slot)] = by;
    }
    await storage(() => client.send(new PutCommand({ TableName: table, Item: { ...statsKey(item), ...attributes } })));
  }
}

export function buildNetworkFigures(client: DynamoDBDocumentClient, table: string): NetworkFigures {
  const tallies = async (items: readonly string[]) => {
    const read = await batchGetAll(client, table, items.map(statsKey), { consistent: true });
    return new Map(read.map((item) => [String(item[attr.sk]), readTallies(item)]));
  };
  return {
    tallies,

    alertsByStatus: async () => {
      const read = (await tallies([statsItems.alerts])).get(statsItems.alerts) ?? {};
      return Object.fromEntries(alertStatuses.map((status) => [status, read[status]?.count ?? 0])) as Record<AlertStatus, number>;
    },

    checksPerDay: async (days) => {
      const names = days.flatMap((day) => Array.from({ length: dayShards }, (_, shard) => statsItems.checks(day, shard)));
      const read = await tallies(names);
      return days.map((day) => {
        const shards = Array.from({ length: dayShards }, (_, shard) => read.get(statsItems.checks(day, shard)));
        const sum = (counter: string) => shards.reduce((total, shard) => total + (shard?.[counter]?.count ?? 0), 0);
        return { day, checks: sum('checks'), matches: sum('matches') };
      }) as DayFigures[];
    },

    recordNotice: (notice) =>
      storage(async () => {
        const at = new Date(notice.at);
        // The notification under one attribute: a top-level practiceId would put the item in the by-kind index.
        const sk = `${notice.at}#${newId('ntf', at)}`;
        await client.send(
          new PutCommand({ TableName: table, Item: { [attr.pk]: noticesPk, [attr.sk]: sk, notice, [attr.ttl]: epochSeconds(at) + noticesKeptFor } }),
        );
        for (const { Update } of tallyUpdates(table, noticeMoves(notice), at)) await client.send(new UpdateCommand(Update));
      }),

    latestNotices: (limit) =>
      storage(async () => {
        const { Items } = await client.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': attr.pk },
            ExpressionAttributeValues: { ':pk': noticesPk },
            ScanIndexForward: false,
            Limit: limit,
          }),
        );
        return (Items ?? []).map((item) => item.notice as SecurityNotification);
      }),
  };
}
