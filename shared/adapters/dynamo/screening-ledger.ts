import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { epochSeconds, isoDate } from '../../dates.ts';
import type { QuotaOutcome, ScreeningLedger, ScreeningLimits } from '../../ports.ts';
import type { AuditBatch } from '../../records.ts';
import { DependencyUnavailableError } from '../../errors.ts';
import { attr } from './tables.ts';
import { cancellationReasons, isConditionalCheckFailure, storage } from './errors.ts';
import type { AuditLog } from './audit-log.ts';
import { tallyUpdates } from './network-figures.ts';
import { checkMoves, screeningTally, type ScreeningTally } from '../../stats/counters.ts';

const quotaPk = (practiceId: string) => `QUOTA#${practiceId}`;

/** A refused lookup: retry at the next UTC midnight. */
const refuseLookup = (now: Date) => ({ ok: false, retryAfterSeconds: Math.max(1, Math.ceil((Date.parse(`${isoDate(now)}T00:00:00Z`) + 86_400_000 - now.getTime()) / 1000)) }) as const;
const twoDays = 2 * 86_400;

/** One check waiting to be counted. */
interface Pending {
  readonly bookings: number;
  readonly tally: ScreeningTally;
  readonly limits: ScreeningLimits;
  readonly batch: AuditBatch;
  readonly day: string;
  readonly minute: string;
  resolve(outcome: QuotaOutcome): void;
  reject(error: unknown): void;
}

/** At most this many checks share one counter update (and one audit append). */
const maxRound = 50;
const sameRound = (a: Pending, b: Pending) =>
  a.day === b.day && a.minute === b.minute && a.limits.perDay === b.limits.perDay && a.limits.perMinute === b.limits.perMinute;

/**
 * One counter item per practice per UTC day holds the day's count and the current minute's
 * count. A check adds its bookings with one conditional update inside the transaction that
 * appends its audit entry: the condition is the quota, so concurrent Lambdas can never together
 * exceed it, and a refused check is neither counted nor audited.
 *
 * Checks of one practice all update that one item, so within a process they are counted one
 * round at a time: while a round is in flight, the practice's next checks wait, and the next
 * round counts all of them (same minute) with ONE update of their summed bookings, beside their
 * audit entries. If the quota condition fails, the counter is read and the round split in
 * arrival order into the checks that still fit (counted again together) and those refused.
 *
 * The minute count restarts when a new minute begins, which needs a different update; each
 * container remembers the latest minute it saw per practice to pick the right one first. The
 * counter's minute only moves forward: a check that was stamped just before a minute ended but
 * is counted after another check began the next one counts against the new minute, rather than
 * setting the counter back (which used to reset the count, and could flip-flop until a check
 * was refused with a 429 it had not earned).
 */
export function buildScreeningLedger(client: DynamoDBDocumentClient, table: string, audit: AuditLog): ScreeningLedger {
  const lastMinute = new Map<string, string>();
  const queues = new Map<string, Pending[]>();

  const readCounter = async (practiceId: string, day: string) => {
    const { Item } = await storage(() =>
      client.send(new GetCommand({ TableName: table, Key: { [attr.pk]: quotaPk(practiceId), [attr.sk]: `DAY#${day}` }, ConsistentRead: true })),
    );
    return { dayCount: Number(Item?.dayCount ?? 0), minute: Item?.minute as string | undefined, minuteCount: Number(Item?.minuteCount ?? 0) };
  };

  const refuse = (now: Date, window: 'minute' | 'day'): QuotaOutcome => {
    const next = window === 'minute' ? Date.parse(`${now.toISOString().slice(0, 16)}:00Z`) + 60_000 : Date.parse(`${isoDate(now)}T00:00:00Z`) + 86_400_000;
    return { ok: false, window, retryAfterSeconds: Math.max(1, Math.ceil((next - now.getTime()) / 1000)) };
  };

  const counterUpdate = (practiceId: string, round: readonly Pending[], sameMinute: boolean) => {
    const { day, minute, limits } = round[0]!;
    const bookings = round.reduce((sum, check) => sum + check.bookings, 0);
    const common = { TableName: table, Key: { [attr.pk]: quotaPk(practiceId), [attr.sk]: `DAY#${day}` } };
    const names = { '#day': 'dayCount', '#minute': 'minute', '#mc': 'minuteCount' };
    return sameMinute
      ? {
          ...common,
          UpdateExpression: 'ADD #day :n, #mc :n',
          ExpressionAttributeNames: names,
          // A check stamped in a minute the counter has already left counts against the counter's (later) minute.
          ConditionExpression: '#minute >= :m AND #mc <= :minuteMax AND #day <= :dayMax',
          ExpressionAttributeValues: { ':n': bookings, ':m': minute, ':minuteMax': limits.perMinute - bookings, ':dayMax': limits.perDay - bookings },
        }
      : {
          ...common,
          UpdateExpression: 'SET #minute = :m, #mc = :n, #ttl = :ttl ADD #day :n',
          ExpressionAttributeNames: { ...names, '#ttl': attr.ttl },
          ConditionExpression: '(attribute_not_exists(#minute) OR #minute < :m) AND (attribute_not_exists(#day) OR #day <= :dayMax)',
          ExpressionAttributeValues: { ':n': bookings, ':m': minute, ':dayMax': limits.perDay - bookings, ':ttl': epochSeconds(round[0]!.batch.now) + twoDays },
        };
  };

  /** Counts one round (checks of one practice, same day and minute) and settles each check's promise. */
  const settle = async (practiceId: string, round: Pending[]) => {
    const { day, minute, limits } = round[0]!;
    let sameMinute = (lastMinute.get(practiceId) ?? '') >= minute;
    for (let attempt = 1; attempt <= 4 && round.length > 0; attempt += 1) {
      // biome-ignore lint/complexity/useMathMinMax: these are Dates, which Math.max would turn into numbers
      const latest = round.reduce((now, check) => (check.batch.now > now ? check.batch.now : now), round[0]!.batch.now);
      try {
        // The network's day counter moves with the quota (second, so the quota's reason stays at index 0):
        // the same one item as before, whatever the statistics count in it.
        const counted = tallyUpdates(table, round.flatMap((check) => checkMoves(practiceId, new Date(`${day}T12:00:00Z`), check.tally)), latest);
        await audit.transact([{ Update: counterUpdate(practiceId, round, sameMinute) }, ...counted], { events: round.flatMap((check) => check.batch.events), now: latest });
        if (!sameMinute) lastMinute.set(practiceId, minute);
        for (const check of round) check.resolve({ ok: true });
        return;
      } catch (error) {
        if (cancellationReasons(error)?.[0] !== 'ConditionalCheckFailed') {
          for (const check of round) check.reject(error);
          return;
        }
      }
      // The condition failed: either the quota is used up, or we guessed the minute wrong.
      const counter = await readCounter(practiceId, day);
      sameMinute = counter.minute !== undefined && counter.minute >= minute;
      if (counter.minute) lastMinute.set(practiceId, counter.minute);
      let dayCount = counter.dayCount;
      let minuteCount = sameMinute ? counter.minuteCount : 0;
      const fits: Pending[] = [];
      for (const check of round) {
        if (dayCount + check.bookings > limits.perDay) check.resolve(refuse(check.batch.now, 'day'));
        else if (minuteCount + check.bookings > limits.perMinute) check.resolve(refuse(check.batch.now, 'minute'));
        else {
          fits.push(check);
          dayCount += check.bookings;
          minuteCount += check.bookings;
        }
      }
      round = fits;
    }
    // Other processes kept moving the counter on: not the practice's quota, so not a 429.
    const busy = new DependencyUnavailableError('The screening quota counter is busy; retry shortly.', 1);
    for (const check of round) check.reject(busy);
  };

  /** Runs the practice's rounds until its queue is empty: each takes the waiting checks of the first one's minute, in order. */
  const drain = async (practiceId: string, queue: Pending[]) => {
    while (queue.length > 0) {
      const first = queue[0]!;
      let size = 1;
      while (size < queue.length && size < maxRound && sameRound(first, queue[size]!)) size += 1;
      const round = queue.splice(0, size);
      try {
        await settle(practiceId, round);
      } catch (error) {
        for (const check of round) check.reject(error);
      }
    }
    queues.delete(practiceId);
  };

  return {
    record: async (practiceId, bookings, limits, batch, matches = 0) => {
      const now = batch.now;
      if (bookings > limits.perDay) return refuse(now, 'day');
      if (bookings > limits.perMinute) return refuse(now, 'minute');
      return new Promise<QuotaOutcome>((resolve, reject) => {
        const check = { bookings, tally: screeningTally(bookings, matches), limits, batch, day: isoDate(now), minute: now.toISOString().slice(0, 16), resolve, reject };
        const queue = queues.get(practiceId);
        if (queue) return void queue.push(check);
        const fresh = [check];
        queues.set(practiceId, fresh);
        void drain(practiceId, fresh);
      });
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

    recordLookup: async (keyId, perDay, batch) => {
      const now = batch.now;
      const key = { [attr.pk]: `LOOKUPS#${keyId}`, [attr.sk]: `DAY#${isoDate(now)}` };
      try {
        await audit.transact(
          [
            {
              Update: {
                TableName: table,
                Key: key,
                UpdateExpression: 'ADD #count :one SET #ttl = :ttl',
                ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
                ExpressionAttributeNames: { '#count': 'lookups', '#ttl': attr.ttl },
                ExpressionAttributeValues: { ':one': 1, ':limit': perDay, ':ttl': epochSeconds(now) + twoDays },
              },
            },
          ],
          batch,
        );
      } catch (error) {
        if (cancellationReasons(error)?.[0] === 'ConditionalCheckFailed') return refuseLookup(now);
        throw error;
      }
      const { Item } = await storage(() => client.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true })));
      return { ok: true, count: Number(Item?.lookups ?? 1) };
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
