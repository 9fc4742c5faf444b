/**
 * The CLI's only door to the HTTP API: one method per route it uses, over the typed client
 * generated from the OpenAPI document (client/peerguard-client.ts), so every request and every
 * field a command reads is checked against the contract. A refusal arrives as the client's
 * PeerguardProblem (status, title, detail, errors, retryAfter); a server that cannot be reached
 * at all as ApiUnreachable. The audit export's paging is in export-download.ts (it streams to a
 * file).
 */
import { createPeerguardClient, PeerguardProblem } from '#client/peerguard-client.ts';
import type { SubjectFields } from './bookings.ts';

export { PeerguardProblem };

/** The API could not be reached at all (refused, DNS, reset, timed out). */
export class ApiUnreachable extends Error {
  override readonly name = 'ApiUnreachable';
}

interface Connection {
  readonly baseUrl: string;
  readonly apiKey?: string | undefined;
}

export function peerguardApi(connection: Connection) {
  const client = createPeerguardClient(connection);
  /** The answer's data; a network failure (not an HTTP refusal) becomes ApiUnreachable. */
  async function data<T>(pending: Promise<{ data: T }>): Promise<T> {
    try {
      return (await pending).data;
    } catch (error) {
      if (error instanceof PeerguardProblem) throw error;
      throw unreachable(connection.baseUrl, error);
    }
  }
  const alertId = (id: string) => ({ params: { path: { alertId: id } } });
  return {
    health: () => data(client.GET('/v1/health')),
    whoAmI: () => data(client.GET('/v1/me')),
    listPractices: () => data(client.GET('/v1/practices')),
    listKeys: (practiceId?: string) => data(client.GET('/v1/keys', practiceId ? { params: { query: { practiceId } } } : {})),
    stats: () => data(client.GET('/v1/stats')),
    statsSummary: () => data(client.GET('/v1/stats/summary')),
    createPractice: (body: { name: string; region: string }) => data(client.POST('/v1/practices', { body })),
    createKey: (body: { role: 'admin' | 'reviewer' | 'practice' | 'auditor'; practiceId?: string | undefined; label: string }) =>
      data(client.POST('/v1/keys', { body })),
    revokeKey: async (keyId: string) => {
      await data(client.DELETE('/v1/keys/{keyId}', { params: { path: { keyId } } }));
    },
    publishClause: (body: { text: string; jurisdiction?: string | undefined }) => data(client.POST('/v1/consent-clauses', { body })),
    publishClauseVersion: (clauseId: string, body: { text: string; jurisdiction?: string | undefined }) =>
      data(client.POST('/v1/consent-clauses/{clauseId}/versions', { params: { path: { clauseId } }, body })),
    listClauses: () => data(client.GET('/v1/consent-clauses')),
    /** The body goes as the file held it: the receipt's hash is of exactly this JSON. */
    submitAlert: (body: unknown, idempotencyKey?: string) =>
      data(client.POST('/v1/alerts', { body: body as never, ...(idempotencyKey ? { params: { header: { 'Idempotency-Key': idempotencyKey } } } : {}) })),
    getAlert: (id: string) => data(client.GET('/v1/alerts/{alertId}', alertId(id))),
    retractAlert: (id: string, reason: string) => data(client.POST('/v1/alerts/{alertId}/retract', { ...alertId(id), body: { reason } })),
    disputeAlert: (id: string, reason: string) => data(client.POST('/v1/alerts/{alertId}/disputes', { ...alertId(id), body: { reason } })),
    reinstateAlert: (id: string, reason: string) => data(client.POST('/v1/alerts/{alertId}/reinstate', { ...alertId(id), body: { reason } })),
    reviewQueue: () => data(client.GET('/v1/reviews/queue')),
    review: (id: string, decision: 'approve' | 'reject', reason: string) =>
      data(client.POST('/v1/alerts/{alertId}/reviews', { ...alertId(id), body: { decision, reason } })),
    reconfirm: (id: string, reason: string) => data(client.POST('/v1/alerts/{alertId}/reconfirm', { ...alertId(id), body: { reason } })),
    check: (subject: SubjectFields, bookingOn?: string) => data(client.POST('/v1/checks', { body: { subject, ...(bookingOn ? { bookingOn } : {}) } })),
    checkBatch: (bookings: { ref: string; subject: SubjectFields; bookingOn?: string }[]) => data(client.POST('/v1/checks/batch', { body: { bookings } })),
    registerBooking: async (body: { ref: string; appointmentOn: string; subject: SubjectFields }) => {
      try {
        const answer = await client.POST('/v1/bookings', { body });
        return { result: answer.data, created: answer.response.status === 201 };
      } catch (error) {
        if (error instanceof PeerguardProblem) throw error;
        throw unreachable(connection.baseUrl, error);
      }
    },
    listBookings: () => data(client.GET('/v1/bookings')),
    cancelBooking: async (ref: string) => {
      await data(client.DELETE('/v1/bookings/{ref}', { params: { path: { ref } } }));
    },
    getMatchDigest: (id: string) => data(client.GET('/v1/alerts/{alertId}/match-digest', alertId(id))),
    setMatchDigest: (id: string, enabled: boolean) => data(client.PUT('/v1/alerts/{alertId}/match-digest', { ...alertId(id), body: { enabled } })),
    verificationKey: () => data(client.GET('/v1/audit/verification-key')),
    subjectTokens: (subject: SubjectFields) => data(client.POST('/v1/audit/subject-tokens', { body: { subject } })),
  };
}

export type PeerguardApi = ReturnType<typeof peerguardApi>;
export type CheckResult = Awaited<ReturnType<PeerguardApi['check']>>;
export type AlertView = Awaited<ReturnType<PeerguardApi['getAlert']>>;

export function unreachable(baseUrl: string, error: unknown): ApiUnreachable {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return new ApiUnreachable(`Cannot reach the Peerguard API at ${baseUrl} (${cause?.code ?? cause?.message ?? (error as Error).message}).`);
}
