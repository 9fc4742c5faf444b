import { GetCommand, PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { addDays, epochSeconds, isoDate, isoInstant } from '../../dates.ts';
import type { CheckCounts, QuotaOutcome, Reservation, ScreeningLedger, ScreeningLimits, ScreeningPolicy, Settlement } from '../../ports.ts';
import type { AuditBatch } from '../../records.ts';
import { DependencyUnavailableError } from '../../errors.ts';
import { attr } from './tables.ts';
import { cancellationReasons, isConditionalCheckFailure, storage, translated } from './errors.ts';
import type { AuditLog } from './audit-log.ts';
import { tallyUpdates } from './network-figures.ts';
import { checkMoves, screeningTally } from '../../stats/counters.ts';
import { practiceRounds, type RoundItem } from './practice-rounds.ts';

const quotaPk = (practiceId: string) => `QUOTA#${practiceId}`;
const dayKey = (practiceId: string, day: string) => ({ [attr.pk]: quotaPk(practiceId), [attr.sk]: `DAY#${day}` });
const twoDays = 2 * 86_400;
/** A refused lookup: retry at the next UTC midnight. */
const refuseLookup = (now: Date) =>
  ({ ok: false, retryAfterSeconds: Math.max(1, Math.ceil((Date.parse(`${isoDate(now)}T00:00:00Z`) + 86_400_000 - now.getTime()) / 1000)) }) as const;
/** How long a practice that spent its guess budget screens on the reduced quota. */
const slowedForMs = 86_400_000;

/** The counter item's attribute names. */
const names = { day: 'dayCount', minute: 'minute', minuteCount: 'minuteCount', guesses: 'guesses', spent: 'budgetSpentAt', slowed: 'slowedUntil' } as const;

interface PendingReservation extends RoundItem<QuotaOutcome> {
  readonly bookings: number;
  readonly policy: ScreeningPolicy;
  readonly now: Date;
  readonly day: string;
  readonly minute: string;
}

interface PendingSettlement extends RoundItem<Settlement> {
  readonly reservation: Reservation;
  readonly counts: CheckCounts;
  readonly policy: ScreeningPolicy;
  readonly batch: AuditBatch;
}

const sameLimits = (a: ScreeningPolicy, b: ScreeningPolicy) =>
  a.quota.perDay === b.quota.perDay &&
  a.quota.perMinute === b.quota.perMinute &&
  a.guesses.perDay === b.guesses.perDay &&
  a.guesses.slowed.perDay === b.guesses.slowed.perDay &&
  a.guesses.slowed.perMinute === b.guesses.slowed.perMinute;

/** The limits in force: the quota, and while the practice is slowed also the reduced one. */
const limitsInForce = (policy: ScreeningPolicy, slowed: boolean): ScreeningLimits =>
  slowed
    ? { perMinute: Math.min(policy.quota.perMinute, policy.guesses.slowed.perMinute), perDay: Math.min(policy.quota.perDay, policy.guesses.slowed.perDay) }
    : policy.quota;

/**
 * One counter item per practice per UTC day holds the day's count, the current minute's count,
 * the day's guesses (bookings answered without a strong match) and, once the practice has spent
 * its guess budget, until when it is slowed down.
 *
 * `reserve` counts a check's bookings with one conditional update BEFORE any token is computed:
 * the condition is the quota (the reduced one while `slowedUntil` lies ahead), so concurrent
 * Lambdas can never together exceed it and a refused check costs no KMS request. `settle` then
 * appends the check's audit entry, adds its guesses and counts the check for the network's day
 * (network-figures.ts) in one transaction, hit or miss alike (the same writes, so an answer's
 * timing does not tell which it was); its condition is the guess
 * budget, and the one settlement that goes past it also sets `slowedUntil` on today's and
 * tomorrow's items. `release` gives a failed check's bookings back.
 *
 * Checks of one practice all update that one item, so within a process they are counted one round
 * at a time (practice-rounds.ts): the waiting checks of the same minute share one update. If the
 * quota condition fails, the counter is read and the round split in arrival order into the checks
 * that still fit (counted again together) and those refused.
 *
 * The minute count restarts when a new minute begins, which needs a different update; each
 * container remembers the latest minute it saw per practice to pick the right one first. The
 * counter's minute only moves forward: a check stamped just before a minute ended but counted
 * after another check began the next one counts against the new minute, rather than setting the
 * counter back.
 */
export function buildScreeningLedger(client: DynamoDBDocumentClient, table: string, audit: AuditLog): ScreeningLedger {
  const lastMinute = new Map<string, string>();

  /**
   * One counter update as a transaction of one item: its ClientRequestToken makes the SDK's retry
   * of an update whose answer was lost (a timeout) a no-op instead of counting the bookings twice.
   * A failed condition is a TransactionCanceledException with reason ConditionalCheckFailed.
   */
  const idempotently = async (update: Record<string, unknown>) => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await client.send(new TransactWriteCommand({ TransactItems: [{ Update: update as never }] }));
        return;
      } catch (error) {
        // Another process's transaction on the same counter: try again shortly (it is not our condition failing).
        if (cancellationReasons(error)?.[0] === 'TransactionConflict' && attempt < 8) {
          await new Promise((done) => setTimeout(done, Math.random() * 10 * attempt));
          continue;
        }
        throw cancellationReasons(error)?.[0] === 'ConditionalCheckFailed' ? error : translated(error);
      }
    }
  };

  const readCounter = async (practiceId: string, day: string) => {
    const { Item } = await storage(() => client.send(new GetCommand({ TableName: table, Key: dayKey(practiceId, day), ConsistentRead: true })));
    return {
      dayCount: Number(Item?.[names.day] ?? 0),
      minute: Item?.[names.minute] as string | undefined,
      minuteCount: Number(Item?.[names.minuteCount] ?? 0),
      slowedUntil: Item?.[names.slowed] as string | undefined,
    };
  };

  const refuse = (now: Date, window: 'minute' | 'day', slowed: boolean): QuotaOutcome => {
    const next = window === 'minute' ? Date.parse(`${now.toISOString().slice(0, 16)}:00Z`) + 60_000 : Date.parse(`${isoDate(now)}T00:00:00Z`) + 86_400_000;
    return { ok: false, window, retryAfterSeconds: Math.max(1, Math.ceil((next - now.getTime()) / 1000)), slowed };
  };

  /** The conditional update that counts `bookings` (a round's sum) in the minute, or starts a new minute with them. */
  const counterUpdate = (practiceId: string, round: readonly PendingReservation[], sameMinute: boolean, now: Date) => {
    const { day, minute, policy } = round[0]!;
    const bookings = round.reduce((sum, check) => sum + check.bookings, 0);
    const slowed = policy.guesses.slowed;
    const common = { TableName: table, Key: dayKey(practiceId, day) };
    const attributeNames = { '#day': names.day, '#minute': names.minute, '#mc': names.minuteCount, '#slow': names.slowed };
    // While slowedUntil lies ahead, the reduced quota holds too (a round larger than it cannot fit at all).
    const notSlowed = 'attribute_not_exists(#slow) OR #slow <= :now';
    const canFitSlowed = bookings <= slowed.perMinute && bookings <= slowed.perDay;
    const fitsSlowed = sameMinute ? '#mc <= :slowMinuteMax AND #day <= :slowDayMax' : 'attribute_not_exists(#day) OR #day <= :slowDayMax';
    const slowClause = canFitSlowed ? `(${notSlowed} OR (${fitsSlowed}))` : `(${notSlowed})`;
    const values = {
      ':n': bookings,
      ':m': minute,
      ':dayMax': policy.quota.perDay - bookings,
      ':now': now.toISOString(),
      ...(canFitSlowed ? { ':slowDayMax': slowed.perDay - bookings, ...(sameMinute ? { ':slowMinuteMax': slowed.perMinute - bookings } : {}) } : {}),
    };
    return sameMinute
      ? {
          ...common,
          UpdateExpression: 'ADD #day :n, #mc :n',
          ExpressionAttributeNames: attributeNames,
          // A check stamped in a minute the counter has already left counts against the counter's (later) minute.
          ConditionExpression: `#minute >= :m AND #mc <= :minuteMax AND #day <= :dayMax AND ${slowClause}`,
          ExpressionAttributeValues: { ...values, ':minuteMax': policy.quota.perMinute - bookings },
        }
      : {
          ...common,
          UpdateExpression: 'SET #minute = :m, #mc = :n, #ttl = :ttl ADD #day :n',
          ExpressionAttributeNames: { ...attributeNames, '#ttl': attr.ttl },
          ConditionExpression: `(attribute_not_exists(#minute) OR #minute < :m) AND (attribute_not_exists(#day) OR #day <= :dayMax) AND ${slowClause}`,
          ExpressionAttributeValues: { ...values, ':ttl': epochSeconds(now) + twoDays },
        };
  };

  /** Counts one round (checks of one practice, same day and minute) and settles each check's promise. */
  const reserveRound = async (practiceId: string, round: PendingReservation[]) => {
    const { day, minute, policy } = round[0]!;
    let sameMinute = (lastMinute.get(practiceId) ?? '') >= minute;
    for (let attempt = 1; attempt <= 4 && round.length > 0; attempt += 1) {
      const latest = round.reduce((now, check) => (check.now > now ? check.now : now), round[0]!.now);
      try {
        await idempotently(counterUpdate(practiceId, round, sameMinute, latest));
        if (!sameMinute) lastMinute.set(practiceId, minute);
        for (const check of round) check.resolve({ ok: true, reservation: { practiceId, bookings: check.bookings, day, minute } });
        return;
      } catch (error) {
        if (cancellationReasons(error)?.[0] !== 'ConditionalCheckFailed') throw error;
      }
      // The condition failed: the quota is used up, the practice is slowed, or we guessed the minute wrong.
      const counter = await readCounter(practiceId, day);
      sameMinute = counter.minute !== undefined && counter.minute >= minute;
      if (counter.minute) lastMinute.set(practiceId, counter.minute);
      const slowed = counter.slowedUntil !== undefined && counter.slowedUntil > latest.toISOString();
      const limits = limitsInForce(policy, slowed);
      let dayCount = counter.dayCount;
      let minuteCount = sameMinute ? counter.minuteCount : 0;
      const fits: PendingReservation[] = [];
      for (const check of round) {
        if (dayCount + check.bookings > limits.perDay) check.resolve(refuse(check.now, 'day', slowed));
        else if (minuteCount + check.bookings > limits.perMinute) check.resolve(refuse(check.now, 'minute', slowed));
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

  /**
   * Appends one round's audit entries and adds its guesses. The plain update's condition is that
   * the guesses stay within the budget (or the budget was spent already); when it fails, this
   * round is the one that spends it, and the update also marks the day and slows the practice
   * until the same time tomorrow.
   */
  const settleRound = async (practiceId: string, round: PendingSettlement[]) => {
    const { reservation, policy } = round[0]!;
    const guesses = round.reduce((sum, settlement) => sum + settlement.counts.guesses, 0);
    const batch: AuditBatch = {
      events: round.flatMap((settlement) => settlement.batch.events),
      now: round.reduce((now, settlement) => (settlement.batch.now > now ? settlement.batch.now : now), round[0]!.batch.now),
    };
    const budget = policy.guesses.perDay;
    const key = dayKey(practiceId, reservation.day);
    const plain = {
      Update: {
        TableName: table,
        Key: key,
        UpdateExpression: 'ADD #guesses :g',
        ConditionExpression:
          guesses > budget ? 'attribute_exists(#spent)' : 'attribute_not_exists(#guesses) OR #guesses <= :guessMax OR attribute_exists(#spent)',
        ExpressionAttributeNames: { '#guesses': names.guesses, '#spent': names.spent },
        ExpressionAttributeValues: { ':g': guesses, ...(guesses > budget ? {} : { ':guessMax': budget - guesses }) },
      },
    };
    const slowedUntil = isoInstant(new Date(batch.now.getTime() + slowedForMs));
    const tomorrow = isoDate(addDays(new Date(`${reservation.day}T00:00:00Z`), 1));
    const spending = [
      {
        Update: {
          TableName: table,
          Key: key,
          UpdateExpression: 'ADD #guesses :g SET #spent = :at, #slow = :until',
          ConditionExpression: 'attribute_not_exists(#spent)',
          ExpressionAttributeNames: { '#guesses': names.guesses, '#spent': names.spent, '#slow': names.slowed },
          ExpressionAttributeValues: { ':g': guesses, ':at': isoInstant(batch.now), ':until': slowedUntil },
        },
      },
      {
        Update: {
          TableName: table,
          Key: dayKey(practiceId, tomorrow),
          UpdateExpression: 'SET #slow = :until, #ttl = if_not_exists(#ttl, :ttl)',
          ExpressionAttributeNames: { '#slow': names.slowed, '#ttl': attr.ttl },
          ExpressionAttributeValues: { ':until': slowedUntil, ':ttl': epochSeconds(new Date(`${tomorrow}T00:00:00Z`)) + twoDays },
        },
      },
    ];
    // The network's day counter moves with the guesses (after them, so the guesses' reason stays at index 0).
    const counted = tallyUpdates(
      table,
      round.flatMap((settlement) =>
        checkMoves(
          practiceId,
          new Date(`${reservation.day}T12:00:00Z`),
          settlement.counts.tally ?? screeningTally(settlement.reservation.bookings, settlement.counts.matches),
        ),
      ),
      batch.now,
    );
    let spends = false;
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      try {
        await audit.transact(spends ? [...spending, ...counted] : [plain, ...counted], batch);
        round.forEach((settlement, i) => settlement.resolve(spends && i === 0 ? { budgetSpent: { slowedUntil } } : {}));
        return;
      } catch (error) {
        if (cancellationReasons(error)?.[0] !== 'ConditionalCheckFailed') throw error;
      }
      // Within budget failed: this round spends it. Spending failed: another round just did; count plainly.
      spends = !spends;
    }
    throw new DependencyUnavailableError('The screening counter is busy; retry shortly.', 1);
  };

  const reserveQueue = practiceRounds<QuotaOutcome, PendingReservation>(
    reserveRound,
    (a, b) => a.day === b.day && a.minute === b.minute && sameLimits(a.policy, b.policy),
  );
  const settleQueue = practiceRounds<Settlement, PendingSettlement>(
    settleRound,
    (a, b) => a.reservation.day === b.reservation.day && sameLimits(a.policy, b.policy),
  );

  return {
    reserve: async (practiceId, bookings, policy, now) => {
      if (bookings > policy.quota.perDay) return refuse(now, 'day', false);
      if (bookings > policy.quota.perMinute) return refuse(now, 'minute', false);
      return new Promise<QuotaOutcome>((resolve, reject) =>
        reserveQueue({ practiceId, bookings, policy, now, day: isoDate(now), minute: now.toISOString().slice(0, 16), resolve, reject }),
      );
    },

    settle: (reservation, counts, policy, batch) =>
      new Promise<Settlement>((resolve, reject) => settleQueue({ practiceId: reservation.practiceId, reservation, counts, policy, batch, resolve, reject })),

    release: async ({ practiceId, bookings, day, minute }) => {
      const update = (withMinute: boolean) => ({
        TableName: table,
        Key: dayKey(practiceId, day),
        UpdateExpression: withMinute ? 'ADD #day :minus, #mc :minus' : 'ADD #day :minus',
        ConditionExpression: withMinute ? 'attribute_exists(#day) AND #minute = :m' : 'attribute_exists(#day)',
        ExpressionAttributeNames: { '#day': names.day, ...(withMinute ? { '#mc': names.minuteCount, '#minute': names.minute } : {}) },
        ExpressionAttributeValues: { ':minus': -bookings, ...(withMinute ? { ':m': minute } : {}) },
      });
      try {
        await idempotently(update(true));
      } catch (error) {
        // The minute has moved on: only the day's count still holds these bookings.
        if (cancellationReasons(error)?.[0] !== 'ConditionalCheckFailed') throw error;
        await idempotently(update(false));
      }
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
  };
}
