import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { epochSeconds, isoDate } from '../../dates.ts';
import type { QuotaOutcome, ScreeningLedger } from '../../ports.ts';
import { attr } from './tables.ts';
import { cancellationReasons, isConditionalCheckFailure, storage } from './errors.ts';
import type { AuditLog } from './audit-log.ts';

const quotaPk = (practiceId: string) => `QUOTA#${practiceId}`;
const twoDays = 2 * 86_400;

/**
 * One counter item per practice per UTC day holds the day's count and the current minute's
 * count. A check adds its bookings with one conditional update inside the transaction that
 * appends its audit entry: the condition is the quota, so concurrent Lambdas can never together
 * exceed it, and a refused check is neither counted nor audited.
 *
 * The minute count restarts when a new minute begins, which needs a different update; each
 * container remembers which minute it last saw per practice to pick the right one first.
 */
export function buildScreeningLedger(client: DynamoDBDocumentClient, table: string, audit: AuditLog): ScreeningLedger {
  const lastMinute = new Map<string, string>();

  const readCounter = async (practiceId: string, day: string) => {
    const { Item } = await storage(() =>
      client.send(new GetCommand({ TableName: table, Key: { [attr.pk]: quotaPk(practiceId), [attr.sk]: `DAY#${day}` }, ConsistentRead: true })),
    );
    return { dayCount: Number(Item?.dayCount ?? 0), minute: Item?.minute as string | undefined, minuteCount: Number(Item?.minuteCount ?? 0) };
  };

  return {
    record: async (practiceId, bookings, limits, batch) => {
      const now = batch.now;
      const day = isoDate(now);
      const minute = now.toISOString().slice(0, 16);
      const refuse = (window: 'minute' | 'day'): QuotaOutcome => {
        const next = window === 'minute' ? Date.parse(`${minute}:00Z`) + 60_000 : Date.parse(`${day}T00:00:00Z`) + 86_400_000;
        return { ok: false, window, retryAfterSeconds: Math.max(1, Math.ceil((next - now.getTime()) / 1000)) };
      };
      if (bookings > limits.perDay) return refuse('day');
      if (bookings > limits.perMinute) return refuse('minute');

      let sameMinute = lastMinute.get(practiceId) === minute;
      for (let attempt = 1; attempt <= 4; attempt += 1) {
        const common = {
          TableName: table,
          Key: { [attr.pk]: quotaPk(practiceId), [attr.sk]: `DAY#${day}` },
        };
        const names = { '#day': 'dayCount', '#minute': 'minute', '#mc': 'minuteCount' };
        const update = sameMinute
          ? {
              ...common,
              UpdateExpression: 'ADD #day :n, #mc :n',
              ExpressionAttributeNames: names,
              ConditionExpression: '#minute = :m AND #mc <= :minuteMax AND #day <= :dayMax',
              ExpressionAttributeValues: { ':n': bookings, ':m': minute, ':minuteMax': limits.perMinute - bookings, ':dayMax': limits.perDay - bookings },
            }
          : {
              ...common,
              UpdateExpression: 'SET #minute = :m, #mc = :n, #ttl = :ttl ADD #day :n',
              ExpressionAttributeNames: { ...names, '#ttl': attr.ttl },
              ConditionExpression: '(attribute_not_exists(#minute) OR #minute <> :m) AND (attribute_not_exists(#day) OR #day <= :dayMax)',
              ExpressionAttributeValues: { ':n': bookings, ':m': minute, ':dayMax': limits.perDay - bookings, ':ttl': epochSeconds(now) + twoDays },
            };
        try {
          await audit.transact([{ Update: update }], batch);
          lastMinute.set(practiceId, minute);
          return { ok: true };
        } catch (error) {
          if (cancellationReasons(error)?.[0] !== 'ConditionalCheckFailed') throw error;
        }
        // The condition failed: either the quota is used up, or we guessed the minute wrong.
        const counter = await readCounter(practiceId, day);
        if (counter.dayCount + bookings > limits.perDay) return refuse('day');
        sameMinute = counter.minute === minute;
        if (sameMinute && counter.minuteCount + bookings > limits.perMinute) return refuse('minute');
      }
      return refuse('minute');
    },

    claimRefusalNotice: async (practiceId, windowKey) => {
      try {
        await storage(() =>
          client.send(
            new PutCommand({
              TableName: table,
              Item: { [attr.pk]: quotaPk(practiceId), [attr.sk]: `NOTICE#${windowKey}`, [attr.ttl]: Math.floor(Date.now() / 1000) + twoDays },
              ConditionExpression: 'attribute_not_exists(#pk)',
              ExpressionAttributeNames: { '#pk': attr.pk },
            }),
          ),
        );
        return true;
      } catch (error) {
        if (isConditionalCheckFailure(error)) return false;
        throw error;
      }
    },

    addNameOnlyMisses: async (practiceId, hourStart, count) => {
      const { Attributes } = await storage(() =>
        client.send(
          new UpdateCommand({
            TableName: table,
            Key: { [attr.pk]: quotaPk(practiceId), [attr.sk]: `MISSES#${hourStart}` },
            UpdateExpression: 'ADD #misses :n SET #ttl = :ttl',
            ExpressionAttributeNames: { '#misses': 'misses', '#ttl': attr.ttl },
            ExpressionAttributeValues: { ':n': count, ':ttl': epochSeconds(new Date(hourStart)) + twoDays },
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
      );
      return Number(Attributes?.misses ?? count);
    },
  };
}
