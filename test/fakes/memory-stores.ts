/**
 * In-memory implementations of the storage ports, for domain tests. They keep the semantics the
 * DynamoDB adapters promise (conditional writes, optimistic concurrency, token-index changes
 * applied with the alert write) and nothing else. Records are copied in and out, as a database
 * would, so a caller mutating what it got back never changes what is stored.
 */
import { ConflictError } from '#shared/errors.ts';
import { alertMoves, checkMoves, dayShards, noticeMoves, screeningTally, statsItems } from '#shared/stats/counters.ts';
import { groupMoves, type ItemTallies, type TallyMove } from '#shared/stats/tally.ts';
import {
  type AlertStore,
  type ApiKeyStore,
  type ClauseStore,
  type Clock,
  type IndexChange,
  type IntegrationStore,
  type NetworkFigures,
  type NotificationOutbox,
  type PracticeStore,
  type ScreeningLedger,
  StaleAlertError,
  type TokenIndex,
} from '#shared/ports.ts';
import {
  type AlertRecord,
  type AlertStatus,
  alertStatuses,
  type ApiKeyListing,
  type ApiKeyRecord,
  type CalcomIntegration,
  type ConsentClause,
  type FailedNotification,
  type IdempotencyRecord,
  type IndexedAlert,
  type Practice,
  type SecurityNotification,
} from '#shared/records.ts';
import type { MemoryAuditLog } from './memory-audit.ts';
import { readStoredAlert } from '#shared/alerts/stored-form.ts';

const copy = <T>(value: T): T => structuredClone(value);

export function memoryPracticeStore(audit: MemoryAuditLog): PracticeStore {
  const practices = new Map<string, Practice>();
  return {
    create: async (practice, batch) => {
      audit.commit(batch, () => practices.set(practice.practiceId, copy(practice)));
    },
    get: async (practiceId) => copy(practices.get(practiceId)),
    list: async () => [...practices.values()].sort((a, b) => a.practiceId.localeCompare(b.practiceId)).map(copy),
  };
}

export function memoryApiKeyStore(audit: MemoryAuditLog): ApiKeyStore {
  const keys = new Map<string, ApiKeyRecord>();
  return {
    create: async (record, batch) => {
      if (keys.has(record.keyId)) throw new Error(`key ${record.keyId} already exists`);
      audit.commit(batch, () => keys.set(record.keyId, copy(record)));
    },
    get: async (keyId) => copy(keys.get(keyId)),
    revoke: async (keyId, at, batch) => {
      const record = keys.get(keyId);
      if (!record) return false;
      audit.commit(batch, () => keys.set(keyId, { ...record, revokedAt: record.revokedAt ?? at }));
      return true;
    },
    list: async ({ practiceId }) =>
      [...keys.values()]
        .filter((record) => practiceId === undefined || record.practiceId === practiceId)
        .sort((a, b) => a.keyId.localeCompare(b.keyId))
        .map(listing),
    describe: async (keyId, role) => {
      const record = keys.get(keyId);
      return record && record.role === role ? listing(record) : undefined;
    },
  };
}

/** A key as the keys-by-role index holds it: no secret hash. */
function listing({ secretSha256: _secret, ...rest }: ApiKeyRecord): ApiKeyListing {
  return copy(rest);
}

export function memoryClauseStore(audit: MemoryAuditLog): ClauseStore {
  const clauses = new Map<string, ConsentClause>();
  const key = (clauseId: string, version: number) => `${clauseId}#${version}`;
  return {
    put: async (clause, batch) => {
      if (clauses.has(key(clause.clauseId, clause.version))) throw new ConflictError('This clause version already exists.');
      audit.commit(batch, () => clauses.set(key(clause.clauseId, clause.version), copy(clause)));
    },
    get: async (clauseId, version) => copy(clauses.get(key(clauseId, version))),
    list: async () => [...clauses.values()].map(copy),
  };
}

/** The token index, plus `apply`, which only the alert store calls (inside its "transaction"). */
export interface MemoryTokenIndex extends TokenIndex {
  apply(alert: AlertRecord, change: IndexChange): void;
  /** Everything indexed, for tests that search storage for what must not be there. */
  dump(): unknown;
}

export function memoryTokenIndex(): MemoryTokenIndex {
  const entries = new Map<string, Map<string, IndexedAlert>>(); // token → alertId → entry
  return {
    lookup: async (tokens) => {
      const found = new Map<string, IndexedAlert[]>();
      for (const token of new Set(tokens)) {
        const byAlert = entries.get(token);
        if (byAlert) found.set(token, [...byAlert.values()].map(copy));
      }
      return found;
    },
    apply: (alert, change) => {
      if (!change) return;
      for (const { token } of alert.tokens) {
        const byAlert = entries.get(token) ?? new Map<string, IndexedAlert>();
        if ('publish' in change) byAlert.set(alert.alertId, copy(change.publish));
        else byAlert.delete(alert.alertId);
        entries.set(token, byAlert);
      }
    },
    prune: async (tokens) => {
      let deleted = 0;
      for (const token of new Set(tokens)) {
        if (entries.get(token)?.size === 0) {
          entries.delete(token);
          deleted += 1;
        }
      }
      return deleted;
    },
    dump: () => [...entries].map(([token, byAlert]) => ({ token, entries: [...byAlert.values()] })),
  };
}

export interface MemoryAlertStore extends AlertStore {
  /** Every alert and idempotency record held, for tests that search storage. */
  dump(): { alerts: AlertRecord[]; idempotency: IdempotencyRecord[] };
}

/**
 * `clock` decides when an idempotency record has gone stale (the DynamoDB store reads its TTL);
 * `figures` is told of every status an alert leaves and reaches, inside the same "transaction".
 */
export function memoryAlertStore(index: MemoryTokenIndex, clock: Clock, audit: MemoryAuditLog, figures?: MemoryFigures): MemoryAlertStore {
  const alerts = new Map<string, AlertRecord>();
  const decisions: { keyId: string; decidedAt: string; alertId: string }[] = [];
  const idempotency = new Map<string, IdempotencyRecord>();
  const idemKey = (practiceId: string, key: string) => `${practiceId}#${key}`;
  const fresh = (record: IdempotencyRecord | undefined, now: Date) =>
    record !== undefined && Date.parse(record.expiresAt) > now.getTime() ? record : undefined;

  return {
    get: async (alertId) => {
      const stored = alerts.get(alertId);
      return stored && readStoredAlert(copy(stored));
    },

    create: async (alert, record, batch) => {
      if (alerts.has(alert.alertId)) throw new Error(`alert ${alert.alertId} already exists`);
      if (record) {
        const existing = fresh(idempotency.get(idemKey(record.practiceId, record.key)), clock());
        if (existing) return { created: false, existing: copy(existing) };
      }
      audit.commit(batch, () => {
        if (record) idempotency.set(idemKey(record.practiceId, record.key), copy(record));
        alerts.set(alert.alertId, copy(alert));
        figures?.apply(alertMoves(undefined, alert, batch.now));
      });
      return { created: true };
    },

    getIdempotency: async (practiceId, key, now) => copy(fresh(idempotency.get(idemKey(practiceId, key)), now)),

    update: async (alert, expectedVersion, change, batch, facts) => {
      const stored = alerts.get(alert.alertId);
      if (!stored || stored.version !== expectedVersion) throw new StaleAlertError(alert.alertId);
      if (alert.version !== expectedVersion + 1) throw new Error('update must write version expectedVersion + 1');
      audit.commit(batch, () => {
        alerts.set(alert.alertId, copy(alert));
        index.apply(alert, change);
        if (facts) figures?.apply(alertMoves(facts.previousStatus, alert, batch.now));
        if (facts?.decision) decisions.push({ keyId: facts.decision.reviewerKeyId, decidedAt: facts.decision.decidedAt, alertId: alert.alertId });
      });
    },

    summaries: async ({ practiceId }) =>
      [...alerts.values()]
        .filter((alert) => practiceId === undefined || alert.practiceId === practiceId)
        .map(({ alertId, practiceId: owner, status, submittedAt, expiresAt }) => ({ alertId, practiceId: owner, status, submittedAt, expiresAt })),

    getMany: async (alertIds) => alertIds.flatMap((alertId) => (alerts.has(alertId) ? [copy(alerts.get(alertId)!)] : [])),

    decidedBy: async (keyId, limit) =>
      decisions
        .filter((decision) => decision.keyId === keyId)
        .sort((a, b) => `${b.decidedAt}#${b.alertId}`.localeCompare(`${a.decidedAt}#${a.alertId}`))
        .slice(0, limit)
        .map((decision) => copy(alerts.get(decision.alertId)!)),

    pendingReview: async function* () {
      yield* [...alerts.values()]
        .filter((alert) => alert.status === 'pending_review')
        .sort((a, b) => a.submittedAt.localeCompare(b.submittedAt) || a.alertId.localeCompare(b.alertId))
        .map(copy);
    },

    publishedExpiringBy: async function* (instant) {
      yield* [...alerts.values()]
        .filter((alert) => alert.status === 'published' && alert.expiresAt !== undefined && alert.expiresAt <= instant)
        .sort((a, b) => a.expiresAt!.localeCompare(b.expiresAt!))
        .map(copy);
    },

    tokensRemovableBy: async function* (instant) {
      yield* [...alerts.values()]
        .filter(
          (alert) =>
            (alert.status === 'rejected' || alert.status === 'retracted') &&
            alert.tokens.length > 0 &&
            alert.tokensRemovableAt !== undefined &&
            alert.tokensRemovableAt <= instant,
        )
        .sort((a, b) => a.tokensRemovableAt!.localeCompare(b.tokensRemovableAt!))
        .map(copy);
    },

    dump: () => ({ alerts: [...alerts.values()].map(copy), idempotency: [...idempotency.values()].map(copy) }),
  };
}

export interface MemoryLedger extends ScreeningLedger {
  /** Bookings counted per practice per minute (`practiceId#YYYY-MM-DDTHH:MM`) and per day, and guesses per day (`guesses#practiceId#YYYY-MM-DD`). */
  readonly counts: Map<string, number>;
  /** Until when each practice is slowed down, by practice id. */
  readonly slowedUntil: Map<string, string>;
}

/** The quota counters, guesses and the check's audit entry, as the DynamoDB ledger keeps them (and the network's day counter, when given). */
export function memoryScreeningLedger(audit: MemoryAuditLog, figures?: MemoryFigures): MemoryLedger {
  const counts = new Map<string, number>();
  const slowedUntil = new Map<string, string>();
  const notices = new Set<string>();
  const add = (key: string, n: number) => counts.set(key, (counts.get(key) ?? 0) + n);
  return {
    counts,
    slowedUntil,
    reserve: async (practiceId, bookings, policy, now) => {
      const day = now.toISOString().slice(0, 10);
      const minute = now.toISOString().slice(0, 16);
      const slowed = (slowedUntil.get(practiceId) ?? '') > now.toISOString();
      const limits = slowed
        ? { perMinute: Math.min(policy.quota.perMinute, policy.guesses.slowed.perMinute), perDay: Math.min(policy.quota.perDay, policy.guesses.slowed.perDay) }
        : policy.quota;
      const nextSecond = (unit: number) => Math.max(1, Math.ceil((unit - (now.getTime() % unit)) / 1000));
      if ((counts.get(`${practiceId}#${day}`) ?? 0) + bookings > limits.perDay)
        return { ok: false, window: 'day', retryAfterSeconds: nextSecond(86_400_000), slowed };
      if ((counts.get(`${practiceId}#${minute}`) ?? 0) + bookings > limits.perMinute)
        return { ok: false, window: 'minute', retryAfterSeconds: nextSecond(60_000), slowed };
      add(`${practiceId}#${day}`, bookings);
      add(`${practiceId}#${minute}`, bookings);
      return { ok: true, reservation: { practiceId, bookings, day, minute } };
    },
    settle: async (reservation, { guesses, matches, tally }, policy, batch) => {
      const key = `guesses#${reservation.practiceId}#${reservation.day}`;
      const spends = (counts.get(key) ?? 0) <= policy.guesses.perDay && (counts.get(key) ?? 0) + guesses > policy.guesses.perDay;
      const until = new Date(batch.now.getTime() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      audit.commit(batch, () => {
        add(key, guesses);
        if (spends) slowedUntil.set(reservation.practiceId, until);
        figures?.apply(checkMoves(reservation.practiceId, batch.now, tally ?? screeningTally(reservation.bookings, matches)));
      });
      return spends ? { budgetSpent: { slowedUntil: until } } : {};
    },
    release: async ({ practiceId, bookings, day, minute }) => {
      add(`${practiceId}#${day}`, -bookings);
      add(`${practiceId}#${minute}`, -bookings);
    },
    claimRefusalNotice: async (practiceId, windowKey) => {
      const key = `${practiceId}#${windowKey}`;
      if (notices.has(key)) return false;
      notices.add(key);
      return true;
    },
    recordLookup: async (keyId, perDay, batch) => {
      const key = `lookups#${keyId}#${batch.now.toISOString().slice(0, 10)}`;
      const count = counts.get(key) ?? 0;
      if (count >= perDay) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((86_400_000 - (batch.now.getTime() % 86_400_000)) / 1000)) };
      audit.commit(batch, () => counts.set(key, count + 1));
      return { ok: true, count: count + 1 };
    },
  };
}

export interface MemoryOutbox extends NotificationOutbox {
  readonly kept: FailedNotification[];
}

export function memoryOutbox(): MemoryOutbox {
  const kept: FailedNotification[] = [];
  return {
    kept,
    record: async (failure) => {
      kept.push(copy(failure));
    },
    list: async (limit) => kept.slice(0, limit).map(copy),
    remove: async (failure) => {
      const i = kept.findIndex((entry) => entry.failureId === failure.failureId);
      if (i >= 0) kept.splice(i, 1);
    },
  };
}

/** The network's counters and notices, moved by the memory alert store and ledger as the DynamoDB ones move theirs. */
export interface MemoryFigures extends NetworkFigures {
  /** Applies tally moves, as a store's transaction would. */
  apply(moves: readonly TallyMove[]): void;
}

export function memoryFigures(): MemoryFigures {
  const items = new Map<string, Map<string, { count: number; practices: Set<number>; alerts?: Set<number>; gauge?: Map<number, number> }>>();
  const notices: SecurityNotification[] = [];
  const apply = (moves: readonly TallyMove[]) => {
    for (const [item, counters] of groupMoves(moves)) {
      let held = items.get(item);
      if (!held) items.set(item, (held = new Map()));
      for (const [counter, change] of counters) {
        const tally = held.get(counter) ?? { count: 0, practices: new Set<number>() };
        tally.count += change.by;
        for (const slot of change.practiceSlots) tally.practices.add(slot);
        if (change.alertSlots.size > 0) tally.alerts = new Set([...(tally.alerts ?? []), ...change.alertSlots]);
        if (change.gaugeSlots.size > 0) {
          tally.gauge ??= new Map();
          for (const [slot, by] of change.gaugeSlots) tally.gauge.set(slot, (tally.gauge.get(slot) ?? 0) + by);
        }
        held.set(counter, tally);
      }
    }
  };
  const read = (item: string): ItemTallies | undefined => {
    const held = items.get(item);
    if (!held) return undefined;
    return Object.fromEntries(
      [...held].map(([counter, tally]) => [
        counter,
        {
          count: tally.count,
          practices: tally.gauge ? new Set([...tally.gauge].filter(([, n]) => n > 0).map(([slot]) => slot)) : new Set(tally.practices),
          alerts: tally.alerts && new Set(tally.alerts),
        },
      ]),
    );
  };
  return {
    apply,
    tallies: async (wanted) => new Map(wanted.flatMap((item) => (items.has(item) ? [[item, read(item)!] as const] : []))),
    alertsByStatus: async () =>
      Object.fromEntries(alertStatuses.map((status) => [status, read(statsItems.alerts)?.[status]?.count ?? 0])) as Record<AlertStatus, number>,
    checksPerDay: async (wanted) =>
      wanted.map((day) => {
        const shards = Array.from({ length: dayShards }, (_, shard) => read(statsItems.checks(day, shard)));
        const sum = (counter: string) => shards.reduce((total, shard) => total + (shard?.[counter]?.count ?? 0), 0);
        return { day, checks: sum('checks'), matches: sum('matches') };
      }),
    recordNotice: async (notice) => {
      notices.push(copy(notice));
      apply(noticeMoves(notice));
    },
    latestNotices: async (limit) => notices.slice().reverse().slice(0, limit).map(copy),
  };
}

export interface MemoryIntegrationStore extends IntegrationStore {
  /** Everything stored, for tests that search storage for what must not be there. */
  dump(): unknown;
}

/** Integrations and webhook deliveries: a claim is held until answered, released, or its lease lapses. */
export function memoryIntegrationStore(audit: MemoryAuditLog): MemoryIntegrationStore {
  const calcom = new Map<string, CalcomIntegration>();
  const deliveries = new Map<string, { state: 'screening' | 'answered'; until: number; response?: unknown }>();
  const id = (practiceId: string, key: string) => `${practiceId}#${key}`;
  return {
    getCalcom: async (practiceId) => copy(calcom.get(practiceId)),
    putCalcom: async (integration, batch) => {
      audit.commit(batch, () => calcom.set(integration.practiceId, copy(integration)));
    },
    claimDelivery: async (practiceId, key, now, leaseSeconds) => {
      const existing = deliveries.get(id(practiceId, key));
      if (existing && existing.until > now.getTime()) {
        return existing.state === 'answered' ? { claimed: false, response: copy(existing.response) } : { claimed: false };
      }
      deliveries.set(id(practiceId, key), { state: 'screening', until: now.getTime() + leaseSeconds * 1000 });
      return { claimed: true };
    },
    completeDelivery: async (practiceId, key, response, expiresAt) => {
      deliveries.set(id(practiceId, key), { state: 'answered', until: expiresAt.getTime(), response: copy(response) });
    },
    releaseDelivery: async (practiceId, key) => {
      if (deliveries.get(id(practiceId, key))?.state === 'screening') deliveries.delete(id(practiceId, key));
    },
    dump: () => copy({ calcom: [...calcom.values()], deliveries: [...deliveries.entries()] }),
  };
}
