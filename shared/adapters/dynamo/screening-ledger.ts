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
/** How long what a process read of a practice's counter guides its reservations before it reads again. */
const knownForMs = 30_000;
/** Counting at settlement only while this share of each limit would still be left over. */
const headroomShare = 0.1;

/** The counter item's attribute names. */
const counterNames = {
  day: 'dayCount',
  minute: 'minute',
  minuteCount: 'minuteCount',
  guesses: 'guesses',
  spent: 'budgetSpentAt',
  slowed: 'slowedUntil',
} as const;

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

/** A practice's counter item as read. */
interface Counter {
  readonly dayCount: number;
  readonly minute: string | undefined;
  readonly minuteCount: number;
  readonly guesses: number;
  readonly spent: boolean;
  readonly slowedUntil: string | undefined;
}

/** What this process knows of a practice's counter for a day: read from the table, plus what it counted itself since. */
interface Known {
  readonly day: string;
  readonly readAt: number;
  dayCount: number;
  minute: string | undefined;
  minuteCount: number;
  slowedUntil: string | undefined;
}

/** One part of a counter item's update (the quota's, the guesses'), combined with `counterUpdate`. */
interface UpdatePart {
  readonly sets: readonly string[];
  readonly adds: readonly string[];
  readonly condition: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
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

const latestOf = (dates: readonly Date[]) => new Date(Math.max(...dates.map((date) => date.getTime())));

const sum = (items: readonly { bookings: number }[]) => items.reduce((total, item) => total + item.bookings, 0);

const refusal = (now: Date, window: 'minute' | 'day', slowed: boolean): Extract<QuotaOutcome, { ok: false }> => {
  const next = window === 'minute' ? Date.parse(`${now.toISOString().slice(0, 16)}:00Z`) + 60_000 : Date.parse(`${isoDate(now)}T00:00:00Z`) + 86_400_000;
  return { ok: false, window, retryAfterSeconds: Math.max(1, Math.ceil((next - now.getTime()) / 1000)), slowed };
};

/**
 * The quota's part of a counter update: counts `bookings` in the minute, or starts a new minute
 * with them, on the condition that they fit the quota (and, while `slowedUntil` lies ahead, the
 * reduced one: a count larger than it cannot fit at all), leaving room for `held` more. A count stamped in a minute the counter
 * has already left counts against the counter's (later) minute.
 */
function quotaPart(bookings: number, minute: string, sameMinute: boolean, policy: ScreeningPolicy, now: Date, held = 0): UpdatePart {
  const slowed = policy.guesses.slowed;
  const notSlowed = 'attribute_not_exists(#slow) OR #slow <= :now';
  // The room needed: these bookings and those this process holds to count at settlement.
  const room = bookings + held;
  const canFitSlowed = room <= slowed.perMinute && room <= slowed.perDay;
  const fitsSlowed = sameMinute ? '#mc <= :slowMinuteMax AND #day <= :slowDayMax' : 'attribute_not_exists(#day) OR #day <= :slowDayMax';
  const slowClause = canFitSlowed ? `(${notSlowed} OR (${fitsSlowed}))` : `(${notSlowed})`;
  const names = { '#day': counterNames.day, '#minute': counterNames.minute, '#mc': counterNames.minuteCount, '#slow': counterNames.slowed };
  const values = {
    ':n': bookings,
    ':m': minute,
    ':dayMax': policy.quota.perDay - room,
    ':now': now.toISOString(),
    ...(canFitSlowed ? { ':slowDayMax': slowed.perDay - room, ...(sameMinute ? { ':slowMinuteMax': slowed.perMinute - room } : {}) } : {}),
  };
  return sameMinute
    ? {
        sets: [],
        adds: ['#day :n', '#mc :n'],
        condition: `#minute >= :m AND #mc <= :minuteMax AND #day <= :dayMax AND ${slowClause}`,
        names,
        values: { ...values, ':minuteMax': policy.quota.perMinute - room },
      }
    : {
        sets: ['#minute = :m', '#mc = :n', '#ttl = :ttl'],
        adds: ['#day :n'],
        condition: `(attribute_not_exists(#minute) OR #minute < :m) AND (attribute_not_exists(#day) OR #day <= :dayMax) AND ${slowClause}`,
        names: { ...names, '#ttl': attr.ttl },
        values: { ...values, ':ttl': epochSeconds(now) + twoDays },
      };
}

/**
 * The guesses' part: adds them on the condition that they stay within the budget (or the budget
 * was spent already); or, for the round that spends it, also marks the day and slows the practice.
 */
function guessPart(guesses: number, budget: number, spending: { at: Date; until: string } | undefined): UpdatePart {
  const names = { '#guesses': counterNames.guesses, '#spent': counterNames.spent };
  if (spending)
    return {
      sets: ['#spent = :at', '#slow = :until'],
      adds: ['#guesses :g'],
      condition: 'attribute_not_exists(#spent)',
      names: { ...names, '#slow': counterNames.slowed },
      values: { ':g': guesses, ':at': isoInstant(spending.at), ':until': spending.until },
    };
  return {
    sets: [],
    adds: ['#guesses :g'],
    condition: guesses > budget ? 'attribute_exists(#spent)' : 'attribute_not_exists(#guesses) OR #guesses <= :guessMax OR attribute_exists(#spent)',
    names,
    values: { ':g': guesses, ...(guesses > budget ? {} : { ':guessMax': budget - guesses }) },
  };
}

/** One conditional update of a practice's counter item made of these parts (every part's condition must hold). */
function counterUpdate(table: string, key: Record<string, unknown>, parts: readonly UpdatePart[]) {
  const sets = parts.flatMap((part) => part.sets);
  const adds = parts.flatMap((part) => part.adds);
  return {
    TableName: table,
    Key: key,
    UpdateExpression: [sets.length > 0 ? `SET ${sets.join(', ')}` : '', adds.length > 0 ? `ADD ${adds.join(', ')}` : ''].filter(Boolean).join(' '),
    ConditionExpression: parts.map((part) => `(${part.condition})`).join(' AND '),
    ExpressionAttributeNames: Object.assign({}, ...parts.map((part) => part.names)),
    ExpressionAttributeValues: Object.assign({}, ...parts.map((part) => part.values)),
  };
}

/** Splits checks, in arrival order, into those that still fit the counter as read and those refused (with the window they are over). */
function fitting<C>(counter: Counter, checks: readonly C[], size: (check: C) => number, minute: string, policy: ScreeningPolicy, now: Date, held = 0) {
  const sameMinute = counter.minute !== undefined && counter.minute >= minute;
  const slowed = counter.slowedUntil !== undefined && counter.slowedUntil > now.toISOString();
  const limits = limitsInForce(policy, slowed);
  let dayCount = counter.dayCount + held;
  let minuteCount = (sameMinute ? counter.minuteCount : 0) + held;
  const fits: C[] = [];
  const refused: { check: C; window: 'minute' | 'day'; slowed: boolean }[] = [];
  for (const check of checks) {
    const bookings = size(check);
    if (dayCount + bookings > limits.perDay) refused.push({ check, window: 'day', slowed });
    else if (minuteCount + bookings > limits.perMinute) refused.push({ check, window: 'minute', slowed });
    else {
      fits.push(check);
      dayCount += bookings;
      minuteCount += bookings;
    }
  }
  return { sameMinute, fits, refused };
}

/**
 * One counter item per practice per UTC day holds the day's count, the current minute's count,
 * the day's guesses (bookings answered without a strong match) and, once the practice has spent
 * its guess budget, until when it is slowed down.
 *
 * Refuse before paying, and count in the same write as the audit entry. `reserve` decides BEFORE
 * any token is computed. A practice this process knows to be far from its limits (its counter
 * read within the last 30 s, plus what the process counted since and has in flight, leaves more
 * than a tenth of each limit) is not counted yet: `settle` counts its bookings in the one
 * transaction that appends the check's audit entry, adds its guesses and counts the check for the
 * network's day (network-figures.ts), with the quota as that write's condition — one write per
 * check. Anywhere nearer its limits (or slowed, or not known), `reserve` counts at once with a
 * conditional update whose condition is the quota, so concurrent Lambdas can never together
 * exceed it and a refused check costs no KMS request.
 *
 * What the first path gives up: when other processes use the quota up while a check counted at
 * settlement is being computed, the settlement finds no room and refuses it (429, unanswered,
 * neither counted nor audited) after its tokens were computed. That happens only to checks in
 * flight at the moment the limit is crossed, and the refusal makes this process read the counter
 * again, so from then on it refuses before paying.
 *
 * The settlement is the same for a hit and a miss (the same writes, so an answer's timing does not
 * tell which it was); its condition also holds the guess budget, and the one settlement that goes
 * past it also sets `slowedUntil` on today's and tomorrow's items. `release` gives a failed
 * check's counted bookings back.
 *
 * Checks of one practice all update that one item, so within a process they are counted one round
 * at a time (practice-rounds.ts): the waiting checks of the same minute share one update. If a
 * condition fails, the counter is read and the round split in arrival order into the checks that
 * still fit (counted again together) and those refused.
 *
 * The minute count restarts when a new minute begins, which needs a different update; each
 * container remembers the latest minute it saw per practice to pick the right one first. The
 * counter's minute only moves forward: a check stamped just before a minute ended but counted
 * after another check began the next one counts against the new minute, rather than setting the
 * counter back.
 */
export function buildScreeningLedger(client: DynamoDBDocumentClient, table: string, audit: AuditLog): ScreeningLedger {
  const lastMinute = new Map<string, string>();
  const known = new Map<string, Known>();
  const reading = new Map<string, Promise<Known>>();
  /** Bookings reserved to be counted at settlement and not settled yet, per practice. */
  const inFlight = new Map<string, number>();
  /**
   * Per practice, the settlement round whose transaction is counting bookings right now. Until it
   * answers, its bookings are both in flight and perhaps in the counter: a reservation refused on
   * that double count waits for it and decides again.
   */
  const countingRounds = new Map<string, Promise<unknown>>();
  const fly = (practiceId: string, bookings: number) => inFlight.set(practiceId, (inFlight.get(practiceId) ?? 0) + bookings);

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

  /** Reads the counter (and remembers it as what this process knows). */
  const readCounter = async (practiceId: string, day: string): Promise<Counter> => {
    const { Item } = await storage(() => client.send(new GetCommand({ TableName: table, Key: dayKey(practiceId, day), ConsistentRead: true })));
    const counter: Counter = {
      dayCount: Number(Item?.[counterNames.day] ?? 0),
      minute: Item?.[counterNames.minute] as string | undefined,
      minuteCount: Number(Item?.[counterNames.minuteCount] ?? 0),
      guesses: Number(Item?.[counterNames.guesses] ?? 0),
      spent: Item?.[counterNames.spent] !== undefined,
      slowedUntil: Item?.[counterNames.slowed] as string | undefined,
    };
    known.set(practiceId, { day, readAt: Date.now(), ...counter });
    if (counter.minute && counter.minute > (lastMinute.get(practiceId) ?? '')) lastMinute.set(practiceId, counter.minute);
    return counter;
  };

  /** What this process knows of the practice's counter today: fresh enough, or read now (once, however many checks ask). */
  const knowledge = (practiceId: string, day: string): Promise<Known | undefined> => {
    const current = known.get(practiceId);
    if (current && current.day === day && Date.now() - current.readAt < knownForMs) return Promise.resolve(current);
    const readKey = `${practiceId}#${day}`;
    let read = reading.get(readKey);
    if (!read) {
      read = readCounter(practiceId, day)
        .then(() => known.get(practiceId)!)
        .finally(() => reading.delete(readKey));
      reading.set(readKey, read);
    }
    // Not known (the read failed): count at once, whose own write says whether storage is there.
    return read.catch(() => undefined);
  };

  /** Bookings this process counted: what it knows moves with them. */
  const counted = (practiceId: string, day: string, minute: string, bookings: number) => {
    const current = known.get(practiceId);
    if (!current || current.day !== day || bookings === 0) return;
    current.dayCount += bookings;
    if (current.minute !== undefined && current.minute >= minute) current.minuteCount += bookings;
    else Object.assign(current, { minute, minuteCount: bookings });
  };

  /** Whether `bookings` more would leave more than a tenth of each limit over, by what this process knows (and has in flight). */
  const farFromLimits = (practiceId: string, current: Known, bookings: number, policy: ScreeningPolicy, now: Date, minute: string) => {
    if (current.slowedUntil !== undefined && current.slowedUntil > now.toISOString()) return false;
    const pending = (inFlight.get(practiceId) ?? 0) + bookings;
    const minuteUsed = current.minute !== undefined && current.minute >= minute ? current.minuteCount : 0;
    const leaves = (limit: number, used: number) => used + pending <= limit - Math.ceil(limit * headroomShare);
    return leaves(policy.quota.perDay, current.dayCount) && leaves(policy.quota.perMinute, minuteUsed);
  };

  /** Counts one round (checks of one practice, same day and minute) and settles each check's promise. */
  const reserveRound = async (practiceId: string, round: PendingReservation[]) => {
    const { day, minute, policy } = round[0]!;
    let sameMinute = (lastMinute.get(practiceId) ?? '') >= minute;
    for (let attempt = 1; attempt <= 4 && round.length > 0; attempt += 1) {
      const latest = latestOf(round.map((check) => check.now));
      // Room is left for the bookings this process holds to count at settlement (they came first).
      const held = inFlight.get(practiceId) ?? 0;
      try {
        await idempotently(counterUpdate(table, dayKey(practiceId, day), [quotaPart(sum(round), minute, sameMinute, policy, latest, held)]));
        if (!sameMinute) lastMinute.set(practiceId, minute);
        counted(practiceId, day, minute, sum(round));
        for (const check of round) check.resolve({ ok: true, reservation: { practiceId, bookings: check.bookings, day, minute } });
        return;
      } catch (error) {
        if (cancellationReasons(error)?.[0] !== 'ConditionalCheckFailed') throw error;
      }
      // The condition failed: the quota is used up, the practice is slowed, or we guessed the minute wrong.
      let fit = fitting(await readCounter(practiceId, day), round, (check) => check.bookings, minute, policy, latest, inFlight.get(practiceId) ?? 0);
      for (let waits = 0; fit.refused.length > 0 && countingRounds.has(practiceId) && waits < 3; waits += 1) {
        await countingRounds.get(practiceId);
        fit = fitting(await readCounter(practiceId, day), round, (check) => check.bookings, minute, policy, latest, inFlight.get(practiceId) ?? 0);
      }
      sameMinute = fit.sameMinute;
      for (const { check, window, slowed } of fit.refused) check.resolve(refusal(check.now, window, slowed));
      round = fit.fits;
    }
    // Other processes kept moving the counter on: not the practice's quota, so not a 429.
    const busy = new DependencyUnavailableError('The screening quota counter is busy; retry shortly.', 1);
    for (const check of round) check.reject(busy);
  };

  /** The spending round also slows the practice on tomorrow's counter item, until the same time tomorrow. */
  const slowTomorrow = (practiceId: string, day: string, slowedUntil: string) => {
    const tomorrow = isoDate(addDays(new Date(`${day}T00:00:00Z`), 1));
    return {
      Update: {
        TableName: table,
        Key: dayKey(practiceId, tomorrow),
        UpdateExpression: 'SET #slow = :until, #ttl = if_not_exists(#ttl, :ttl)',
        ExpressionAttributeNames: { '#slow': counterNames.slowed, '#ttl': attr.ttl },
        ExpressionAttributeValues: { ':until': slowedUntil, ':ttl': epochSeconds(new Date(`${tomorrow}T00:00:00Z`)) + twoDays },
      },
    };
  };

  /**
   * Appends one round's audit entries, adds its guesses and counts the bookings reserved to be
   * counted here, in one transaction. When its condition fails, the counter is read: checks that
   * no longer fit the quota are refused (in arrival order), and when the round's guesses take the
   * practice past its budget this round spends it: the update also marks the day and slows the
   * practice until the same time tomorrow.
   */
  const settleRound = async (practiceId: string, round: PendingSettlement[]) => {
    const { reservation, policy } = round[0]!;
    const { day, minute } = reservation;
    let sameMinute = (lastMinute.get(practiceId) ?? '') >= minute;
    let spends = false;
    for (let attempt = 1; attempt <= 4 && round.length > 0; attempt += 1) {
      const counting = sum(round.filter((settlement) => settlement.reservation.countAtSettlement).map((settlement) => settlement.reservation));
      const guesses = round.reduce((total, settlement) => total + settlement.counts.guesses, 0);
      const batch: AuditBatch = {
        events: round.flatMap((settlement) => settlement.batch.events),
        now: latestOf(round.map((settlement) => settlement.batch.now)),
      };
      const slowedUntil = isoInstant(new Date(batch.now.getTime() + slowedForMs));
      const parts = [
        guessPart(guesses, policy.guesses.perDay, spends ? { at: batch.now, until: slowedUntil } : undefined),
        ...(counting > 0 ? [quotaPart(counting, minute, sameMinute, policy, batch.now)] : []),
      ];
      // The network's day counter moves with the guesses (after the counter, so its reason stays at index 0).
      const tallies = tallyUpdates(
        table,
        round.flatMap((settlement) =>
          checkMoves(
            practiceId,
            new Date(`${day}T12:00:00Z`),
            settlement.counts.tally ?? screeningTally(settlement.reservation.bookings, settlement.counts.matches),
          ),
        ),
        batch.now,
      );
      try {
        const transaction = audit.transact(
          [{ Update: counterUpdate(table, dayKey(practiceId, day), parts) }, ...(spends ? [slowTomorrow(practiceId, day, slowedUntil)] : []), ...tallies],
          batch,
        );
        if (counting > 0) {
          const answered: Promise<unknown> = transaction
            .catch(() => undefined)
            .finally(() => countingRounds.get(practiceId) === answered && countingRounds.delete(practiceId));
          countingRounds.set(practiceId, answered);
        }
        await transaction;
        if (counting > 0 && !sameMinute) lastMinute.set(practiceId, minute);
        counted(practiceId, day, minute, counting);
        if (spends) {
          const current = known.get(practiceId);
          if (current?.day === day) current.slowedUntil = slowedUntil;
        }
        fly(practiceId, -counting);
        round.forEach((settlement, i) => settlement.resolve(spends && i === 0 ? { budgetSpent: { slowedUntil } } : {}));
        return;
      } catch (error) {
        if (cancellationReasons(error)?.[0] !== 'ConditionalCheckFailed') throw error;
      }
      // A condition failed: read the counter and decide who still fits and whether this round spends the budget.
      const counter = await readCounter(practiceId, day);
      const fit = fitting(
        counter,
        round.filter((settlement) => settlement.reservation.countAtSettlement),
        (settlement) => settlement.reservation.bookings,
        minute,
        policy,
        batch.now,
      );
      sameMinute = fit.sameMinute;
      for (const { check, window, slowed } of fit.refused) {
        fly(practiceId, -check.reservation.bookings);
        check.resolve({ refused: refusal(check.batch.now, window, slowed) });
      }
      round = round.filter((settlement) => !fit.refused.some(({ check }) => check === settlement));
      spends = !counter.spent && counter.guesses + round.reduce((total, settlement) => total + settlement.counts.guesses, 0) > policy.guesses.perDay;
    }
    if (round.length > 0) throw new DependencyUnavailableError('The screening counter is busy; retry shortly.', 1);
  };

  const reserveQueue = practiceRounds<QuotaOutcome, PendingReservation>(
    reserveRound,
    (a, b) => a.day === b.day && a.minute === b.minute && sameLimits(a.policy, b.policy),
  );
  const settleQueue = practiceRounds<Settlement, PendingSettlement>(
    settleRound,
    (a, b) => a.reservation.day === b.reservation.day && a.reservation.minute === b.reservation.minute && sameLimits(a.policy, b.policy),
  );

  return {
    reserve: async (practiceId, bookings, policy, now) => {
      if (bookings > policy.quota.perDay) return refusal(now, 'day', false);
      if (bookings > policy.quota.perMinute) return refusal(now, 'minute', false);
      const day = isoDate(now);
      const minute = now.toISOString().slice(0, 16);
      const current = await knowledge(practiceId, day);
      if (current && farFromLimits(practiceId, current, bookings, policy, now, minute)) {
        fly(practiceId, bookings);
        return { ok: true, reservation: { practiceId, bookings, day, minute, countAtSettlement: true } };
      }
      return new Promise<QuotaOutcome>((resolve, reject) => reserveQueue({ practiceId, bookings, policy, now, day, minute, resolve, reject }));
    },

    settle: (reservation, counts, policy, batch) =>
      new Promise<Settlement>((resolve, reject) => settleQueue({ practiceId: reservation.practiceId, reservation, counts, policy, batch, resolve, reject })),

    release: async ({ practiceId, bookings, day, minute, countAtSettlement }) => {
      // Not counted yet: nothing to give back but the place it held in flight.
      if (countAtSettlement) return void fly(practiceId, -bookings);
      const update = (withMinute: boolean) => ({
        TableName: table,
        Key: dayKey(practiceId, day),
        UpdateExpression: withMinute ? 'ADD #day :minus, #mc :minus' : 'ADD #day :minus',
        ConditionExpression: withMinute ? 'attribute_exists(#day) AND #minute = :m' : 'attribute_exists(#day)',
        ExpressionAttributeNames: { '#day': counterNames.day, ...(withMinute ? { '#mc': counterNames.minuteCount, '#minute': counterNames.minute } : {}) },
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
