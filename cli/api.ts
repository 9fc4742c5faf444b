/**
 * The CLI's only door to the HTTP API: one method per route it uses, answers typed for what
 * the commands read, and every non-2xx answer thrown as an ApiProblem (the RFC 9457 document
 * and the status). Commands never call fetch themselves, so this module alone changes when the
 * transport does. The audit export's paging is in export-download.ts (it streams to a file).
 */
import type { SubjectFields } from './bookings.ts';

interface Problem {
  readonly type?: string;
  readonly title?: string;
  readonly status?: number;
  readonly detail?: string;
  readonly instance?: string;
  readonly errors?: readonly { path: string; message: string }[];
}

/** A problem+json answer (or any non-2xx one) from the API. */
export class ApiProblem extends Error {
  override readonly name = 'ApiProblem';
  constructor(
    readonly status: number,
    readonly problem: Problem,
    /** Seconds from the Retry-After header, when given. */
    readonly retryAfterSeconds?: number,
  ) {
    super(`HTTP ${status}${problem.title ? ` ${problem.title}` : ''}${problem.detail ? `: ${problem.detail}` : ''}`);
  }
}

/** The API could not be reached at all (refused, DNS, reset, timed out). */
export class ApiUnreachable extends Error {
  override readonly name = 'ApiUnreachable';
}

interface Connection {
  readonly baseUrl: string;
  readonly apiKey?: string | undefined;
}

export interface Practice {
  practiceId: string;
  name: string;
  region: string;
  createdAt: string;
}
export interface CreatedKey {
  keyId: string;
  apiKey: string;
  role: string;
  practiceId?: string;
}
export interface KeyListing {
  keyId: string;
  role: string;
  practiceId?: string;
  label: string;
  createdAt: string;
  revokedAt?: string;
}
export interface ClauseVersion {
  clauseId: string;
  version: number;
  sha256: string;
  publishedAt: string;
  text?: string;
  jurisdiction?: string;
}
export interface Receipt {
  alertId: string;
  submittedAt: string;
  practiceId: string;
  contentSha256: string;
  signature: string;
  keyId: string;
}
export interface Submitted {
  alertId: string;
  status: string;
  receipt: Receipt;
}
export interface AlertView {
  alertId: string;
  status: string;
  category: string;
  severity: string;
  submittedAt: string;
  publishedAt?: string;
  expiresAt?: string;
  reviews?: readonly { decision: string; practiceId?: string; decidedAt?: string; reason?: string }[];
  history?: readonly { at: string; from?: string; to?: string; action?: string; reason?: string }[];
  [field: string]: unknown;
}
export interface QueueItem {
  alertId: string;
  category: string;
  severity: string;
  submittedAt: string;
  approvals: number;
  incident?: { occurredOn?: string; summary?: string; witnesses?: number; actionsTaken?: string };
  [field: string]: unknown;
}
export interface CheckResult {
  checkId: string;
  result: 'match' | 'no_match';
  confidence?: 'strong' | 'possible';
  matchedOn?: string[];
  alerts?: { category: string; severity: string; publishedOn: string }[];
  reportingPractices?: number;
  guidance?: string;
}
export interface VerificationKeyAnswer {
  keyId: string;
  algorithm: string;
  publicKeyPem: string;
}

type Method = 'GET' | 'POST' | 'DELETE';

export function peerguardApi(connection: Connection) {
  async function call<T>(method: Method, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const url = new URL(path, connection.baseUrl);
    const requestHeaders: Record<string, string> = { accept: 'application/json', ...headers };
    if (connection.apiKey !== undefined) requestHeaders.authorization = `Bearer ${connection.apiKey}`;
    if (body !== undefined) requestHeaders['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, { method, headers: requestHeaders, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      throw unreachable(connection.baseUrl, error);
    }
    const text = await response.text();
    if (!response.ok) throw problemOf(response, text);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }
  const id = encodeURIComponent;
  return {
    health: () => call<{ status: string }>('GET', '/v1/health'),
    createPractice: (body: { name: string; region: string }) => call<Practice>('POST', '/v1/practices', body),
    listPractices: () => call<{ items: Practice[] }>('GET', '/v1/practices'),
    createKey: (body: { role: string; practiceId?: string | undefined; label: string }) => call<CreatedKey>('POST', '/v1/keys', body),
    listKeys: (practiceId?: string) => call<{ items: KeyListing[] }>('GET', `/v1/keys${practiceId ? `?${new URLSearchParams({ practiceId }).toString()}` : ''}`),
    revokeKey: (keyId: string) => call<void>('DELETE', `/v1/keys/${id(keyId)}`),
    publishClause: (body: { text: string; jurisdiction?: string | undefined }) => call<ClauseVersion>('POST', '/v1/consent-clauses', body),
    publishClauseVersion: (clauseId: string, body: { text: string; jurisdiction?: string | undefined }) => call<ClauseVersion>('POST', `/v1/consent-clauses/${id(clauseId)}/versions`, body),
    listClauses: () => call<{ items: ClauseVersion[] }>('GET', '/v1/consent-clauses'),
    submitAlert: (body: unknown, idempotencyKey?: string) => call<Submitted>('POST', '/v1/alerts', body, idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    getAlert: (alertId: string) => call<AlertView>('GET', `/v1/alerts/${id(alertId)}`),
    retractAlert: (alertId: string, reason: string) => call<AlertView>('POST', `/v1/alerts/${id(alertId)}/retract`, { reason }),
    disputeAlert: (alertId: string, reason: string) => call<AlertView>('POST', `/v1/alerts/${id(alertId)}/disputes`, { reason }),
    reinstateAlert: (alertId: string, reason: string) => call<AlertView>('POST', `/v1/alerts/${id(alertId)}/reinstate`, { reason }),
    reviewQueue: () => call<{ items: QueueItem[] }>('GET', '/v1/reviews/queue'),
    review: (alertId: string, decision: 'approve' | 'reject', reason: string) => call<AlertView>('POST', `/v1/alerts/${id(alertId)}/reviews`, { decision, reason }),
    reconfirm: (alertId: string, reason: string) => call<AlertView>('POST', `/v1/alerts/${id(alertId)}/reconfirm`, { reason }),
    check: (subject: SubjectFields, bookingOn?: string) => call<CheckResult>('POST', '/v1/checks', { subject, ...(bookingOn ? { bookingOn } : {}) }),
    checkBatch: (bookings: readonly { ref: string; subject: SubjectFields; bookingOn?: string }[]) => call<{ results: (CheckResult & { ref: string })[] }>('POST', '/v1/checks/batch', { bookings }),
    verificationKey: () => call<VerificationKeyAnswer>('GET', '/v1/audit/verification-key'),
    subjectTokens: (subject: SubjectFields) => call<{ tokens: { kind: string; token: string }[] }>('POST', '/v1/audit/subject-tokens', { subject }),
  };
}

export type PeerguardApi = ReturnType<typeof peerguardApi>;

function problemOf(response: Response, text: string): ApiProblem {
  let problem: Problem = {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object') problem = parsed as Problem;
  } catch {
    // A plain 401 from API Gateway, or a proxy's HTML page: the status says enough.
  }
  const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN);
  return new ApiProblem(response.status, problem, Number.isFinite(retryAfter) ? retryAfter : undefined);
}

export function unreachable(baseUrl: string, error: unknown): ApiUnreachable {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return new ApiUnreachable(`Cannot reach the Peerguard API at ${baseUrl} (${cause?.code ?? cause?.message ?? (error as Error).message}).`);
}
