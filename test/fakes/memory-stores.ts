/**
 * In-memory implementations of the storage ports, for domain tests. They keep the semantics the
 * DynamoDB adapters promise (conditional writes, optimistic concurrency, token-index changes
 * applied with the alert write) and nothing else. Records are copied in and out, as a database
 * would, so a caller mutating what it got back never changes what is stored.
 */
import { ConflictError } from '#shared/errors.ts';
import { StaleAlertError, type AlertStore, type ApiKeyStore, type ClauseStore, type Clock, type IndexChange, type NotificationOutbox, type PracticeStore, type ScreeningLedger, type TokenIndex } from '#shared/ports.ts';
import { type AlertRecord, type ApiKeyRecord, type ConsentClause, type FailedNotification, type IdempotencyRecord, type IndexedAlert, type Practice } from '#shared/records.ts';
import type { MemoryAuditLog } from './memory-audit.ts';

const copy = <T>(value: T): T => structuredClone(value);

export function memoryPracticeStore(audit: MemoryAuditLog): PracticeStore {
  const practices = new Map<string, Practice>();
  return {
    create: async (practice, batch) => {
      audit.commit(batch, () => practices.set(practice.practiceId, copy(practice)));
    },
    get: async (practiceId) => copy(practices.get(practiceId)),
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
  };
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
    dump: () => [...entries].map(([token, byAlert]) => ({ token, entries: [...byAlert.values()] })),
  };
}

export interface MemoryAlertStore extends AlertStore {
  /** Every alert and idempotency record held, for tests that search storage. */
  dump(): { alerts: AlertRecord[]; idempotency: IdempotencyRecord[] };
}

/** `clock` decides when an idempotency record has gone stale (the DynamoDB store reads its TTL). */
export function memoryAlertStore(index: MemoryTokenIndex, clock: Clock, audit: MemoryAuditLog): MemoryAlertStore {
  const alerts = new Map<string, AlertRecord>();
  const idempotency = new Map<string, IdempotencyRecord>();
  const idemKey = (practiceId: string, key: string) => `${practiceId}#${key}`;
  const fresh = (record: IdempotencyRecord | undefined, now: Date) =>
    record !== undefined && Date.parse(record.expiresAt) > now.getTime() ? record : undefined;

  return {
    get: async (alertId) => copy(alerts.get(alertId)),

    create: async (alert, record, batch) => {
      if (alerts.has(alert.alertId)) throw new Error(`alert ${alert.alertId} already exists`);
      if (record) {
        const existing = fresh(idempotency.get(idemKey(record.practiceId, record.key)), clock());
        if (existing) return { created: false, existing: copy(existing) };
      }
      audit.commit(batch, () => {
        if (record) idempotency.set(idemKey(record.practiceId, record.key), copy(record));
        alerts.set(alert.alertId, copy(alert));
      });
      return { created: true };
    },

    getIdempotency: async (practiceId, key, now) => copy(fresh(idempotency.get(idemKey(practiceId, key)), now)),

    update: async (alert, expectedVersion, change, batch) => {
      const stored = alerts.get(alert.alertId);
      if (!stored || stored.version !== expectedVersion) throw new StaleAlertError(alert.alertId);
      if (alert.version !== expectedVersion + 1) throw new Error('update must write version expectedVersion + 1');
      audit.commit(batch, () => {
        alerts.set(alert.alertId, copy(alert));
        index.apply(alert, change);
      });
    },

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

    dump: () => ({ alerts: [...alerts.values()].map(copy), idempotency: [...idempotency.values()].map(copy) }),
  };
}

export interface MemoryLedger extends ScreeningLedger {
  /** Bookings counted per practice per minute (`practiceId#YYYY-MM-DDTHH:MM`) and per day, and guesses per day (`guesses#practiceId#YYYY-MM-DD`). */
  readonly counts: Map<string, number>;
  /** Until when each practice is slowed down, by practice id. */
  readonly slowedUntil: Map<string, string>;
}

/** The quota counters, guesses and the check's audit entry, as the DynamoDB ledger keeps them. */
export function memoryScreeningLedger(audit: MemoryAuditLog): MemoryLedger {
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
      if ((counts.get(`${practiceId}#${day}`) ?? 0) + bookings > limits.perDay) return { ok: false, window: 'day', retryAfterSeconds: nextSecond(86_400_000), slowed };
      if ((counts.get(`${practiceId}#${minute}`) ?? 0) + bookings > limits.perMinute) return { ok: false, window: 'minute', retryAfterSeconds: nextSecond(60_000), slowed };
      add(`${practiceId}#${day}`, bookings);
      add(`${practiceId}#${minute}`, bookings);
      return { ok: true, reservation: { practiceId, bookings, day, minute } };
    },
    settle: async (reservation, guesses, policy, batch) => {
      const key = `guesses#${reservation.practiceId}#${reservation.day}`;
      const spends = (counts.get(key) ?? 0) <= policy.guesses.perDay && (counts.get(key) ?? 0) + guesses > policy.guesses.perDay;
      const until = new Date(batch.now.getTime() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      audit.commit(batch, () => {
        add(key, guesses);
        if (spends) slowedUntil.set(reservation.practiceId, until);
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
