/**
 * In-memory stand-ins for the re-screening ports (registered bookings with their token index, and
 * the reporters' match digests), for domain tests. The DynamoDB adapters are tested against
 * DynamoDB Local (test/integration/rescreen-store.test.ts, test/e2e/rescreen.test.ts).
 */
import type { BookingRegistry, MatchDigestStore } from '#shared/ports.ts';
import type { BookingRegistration, MatchDigestOptIn, RescreenMatch } from '#shared/records.ts';
import type { MemoryAuditLog } from './memory-audit.ts';

const copy = <T>(value: T): T => (value === undefined ? value : structuredClone(value));

export interface MemoryBookingRegistry extends BookingRegistry {
  /** Everything stored, for tests that search storage for what must not be there. */
  dump(): unknown;
}

export function memoryBookingRegistry(audit: MemoryAuditLog): MemoryBookingRegistry {
  const registrations = new Map<string, BookingRegistration>();
  const matches = new Map<string, RescreenMatch[]>();
  const index = new Map<string, Set<string>>();
  const id = (practiceId: string, ref: string) => `${practiceId}|${ref}`;
  const unindex = (registration: BookingRegistration) => {
    for (const { token } of registration.tokens) index.get(token)?.delete(id(registration.practiceId, registration.ref));
  };
  return {
    register: async (registration, previous, batch) => {
      audit.commit(batch, () => {
        if (previous) unindex(previous);
        const key = id(registration.practiceId, registration.ref);
        registrations.set(key, copy(registration));
        for (const { token } of registration.tokens) index.set(token, (index.get(token) ?? new Set()).add(key));
      });
    },
    get: async (practiceId, ref) => copy(registrations.get(id(practiceId, ref))),
    list: async (practiceId) =>
      [...registrations.values()]
        .filter((registration) => registration.practiceId === practiceId)
        .map((registration) => ({ registration: copy(registration), matches: copy(matches.get(id(practiceId, registration.ref)) ?? []) })),
    cancel: async (registration, batch) => {
      audit.commit(batch, () => {
        registrations.delete(id(registration.practiceId, registration.ref));
        matches.delete(id(registration.practiceId, registration.ref));
        unindex(registration);
      });
    },
    findByTokens: async (tokens, now) => {
      const keys = new Set(tokens.flatMap((token) => [...(index.get(token) ?? [])]));
      return [...keys]
        .map((key) => registrations.get(key))
        .filter((r): r is BookingRegistration => r !== undefined && Date.parse(r.expiresAt) > now.getTime())
        .map(copy);
    },
    recordMatch: async (registration, match) => {
      const key = id(registration.practiceId, registration.ref);
      matches.set(key, [...(matches.get(key) ?? []).filter((m) => m.alertId !== match.alertId), copy(match)]);
    },
    removeExpired: async (instant) => {
      let removed = 0;
      for (const [key, registration] of registrations) {
        if (registration.expiresAt > instant) continue;
        registrations.delete(key);
        matches.delete(key);
        unindex(registration);
        removed += 1;
      }
      return removed;
    },
    dump: () => copy({ registrations: [...registrations.values()], matches: [...matches.entries()] }),
  };
}

export function memoryMatchDigests(audit: MemoryAuditLog): MatchDigestStore {
  const optIns = new Map<string, MatchDigestOptIn>();
  const counts = new Map<string, Map<string, number>>();
  const sent = new Set<string>();
  return {
    setOptIn: async (optIn, batch) => audit.commit(batch, () => void optIns.set(optIn.alertId, copy(optIn))),
    getOptIn: async (alertId) => copy(optIns.get(alertId)),
    optedIn: async () => [...optIns.values()].filter((optIn) => optIn.enabled).map(copy),
    count: async (alertIds, day) => {
      for (const alertId of alertIds) {
        if (!optIns.get(alertId)?.enabled) continue;
        const days = counts.get(alertId) ?? new Map<string, number>();
        days.set(day, (days.get(day) ?? 0) + 1);
        counts.set(alertId, days);
      }
    },
    counts: async (alertId, days) => days.map((day) => ({ day, matches: counts.get(alertId)?.get(day) ?? 0 })),
    claimDigest: async (alertId, day) => !sent.has(`${alertId}|${day}`) && (sent.add(`${alertId}|${day}`), true),
  };
}
