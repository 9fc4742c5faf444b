import { PutCommand, QueryCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../../dates.ts';
import { newId } from '../../ids.ts';
import type { NetworkFigures } from '../../ports.ts';
import { alertStatuses, type AlertStatus, type DayFigures, type SecurityNotification } from '../../records.ts';
import { batchGetAll } from './batch-get.ts';
import { storage } from './errors.ts';
import { attr } from './tables.ts';

/**
 * The network's counters and notices, in the main table, written inside the transactions that
 * already exist (an alert's write, a screening round's quota update), so a figure moves exactly
 * when what it counts happens:
 *
 * - `STATS` / `ALERTS`: one number per stored alert status;
 * - `STATS` / `CHECKS#<day>#<shard>`: checks and matches of a UTC day. Spread over a few items by
 *   practice, so that screening rounds of different practices rarely touch the same item (two
 *   writes to one item cannot share a transaction, which would undo the audit log's group commit);
 * - `NOTICES` / `<at>#<seq>`: each security notification as it was sent, kept 90 days.
 */
const statsPk = 'STATS';
const alertCountsSk = 'ALERTS';
export const checkShards = 8;
const noticesPk = 'NOTICES';
const checkDaysKeptFor = 20 * 86_400;
const noticesKeptFor = 90 * 86_400;

const alertCountsKey = { [attr.pk]: statsPk, [attr.sk]: alertCountsSk };
const checkDayKey = (day: string, shard: number) => ({ [attr.pk]: statsPk, [attr.sk]: `CHECKS#${day}#${shard}` });

/** A practice's shard of the day's check counter: stable, and spread evenly enough. */
export function checkShard(practiceId: string): number {
  let sum = 0;
  for (const char of practiceId) sum = (sum * 31 + char.charCodeAt(0)) >>> 0;
  return sum % checkShards;
}

/** The update moving one alert from `from` (none: a new alert) to `to` in the status counts; undefined when the status stays. */
export function alertCountUpdate(table: string, from: AlertStatus | undefined, to: AlertStatus) {
  if (from === to) return undefined;
  return {
    Update: {
      TableName: table,
      Key: alertCountsKey,
      UpdateExpression: from === undefined ? 'ADD #to :one' : 'ADD #to :one, #from :minusOne',
      ExpressionAttributeNames: { '#to': to, ...(from === undefined ? {} : { '#from': from }) },
      ExpressionAttributeValues: { ':one': 1, ...(from === undefined ? {} : { ':minusOne': -1 }) },
    },
  };
}

/** The update adding a screening round's bookings and matches to the day's counter. */
export function checkCountUpdate(table: string, practiceId: string, day: string, checks: number, matches: number, now: Date) {
  return {
    Update: {
      TableName: table,
      Key: checkDayKey(day, checkShard(practiceId)),
      UpdateExpression: 'ADD #checks :checks, #matches :matches SET #ttl = :ttl',
      ExpressionAttributeNames: { '#checks': 'checks', '#matches': 'matches', '#ttl': attr.ttl },
      ExpressionAttributeValues: { ':checks': checks, ':matches': matches, ':ttl': epochSeconds(now) + checkDaysKeptFor },
    },
  };
}

/**
 * Sets the alert counts outright (`npm run admin -- recount-alerts`): for a network that had alerts
 * before the counters existed. Moves made while it runs are lost to the counts: run it when quiet.
 */
export async function replaceAlertCounts(client: DynamoDBDocumentClient, table: string, counts: Record<AlertStatus, number>): Promise<void> {
  await storage(() => client.send(new PutCommand({ TableName: table, Item: { ...alertCountsKey, ...counts } })));
}

export function buildNetworkFigures(client: DynamoDBDocumentClient, table: string): NetworkFigures {
  return {
    alertsByStatus: () =>
      storage(async () => {
        const { Item } = await client.send(new GetCommand({ TableName: table, Key: alertCountsKey, ConsistentRead: true }));
        return Object.fromEntries(alertStatuses.map((status) => [status, Number(Item?.[status] ?? 0)])) as Record<AlertStatus, number>;
      }),

    checksPerDay: async (days) => {
      const keys = days.flatMap((day) => Array.from({ length: checkShards }, (_, shard) => checkDayKey(day, shard)));
      const items = await batchGetAll(client, table, keys);
      const totals = new Map(days.map((day) => [day, { day, checks: 0, matches: 0 }]));
      for (const item of items) {
        const day = String(item[attr.sk]).split('#')[1]!;
        const total = totals.get(day);
        if (!total) continue;
        total.checks += Number(item.checks ?? 0);
        total.matches += Number(item.matches ?? 0);
      }
      return days.map((day) => totals.get(day)!) as DayFigures[];
    },

    recordNotice: (notice) =>
      storage(async () => {
        const at = new Date(notice.at);
        // The notification under one attribute: a top-level practiceId would put the item in the by-kind index.
        const sk = `${notice.at}#${newId('ntf', at)}`;
        await client.send(new PutCommand({ TableName: table, Item: { [attr.pk]: noticesPk, [attr.sk]: sk, notice, [attr.ttl]: epochSeconds(at) + noticesKeptFor } }));
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
