import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, isoDate } from '#shared/dates.ts';
import { newId } from '#shared/ids.ts';
import { routeKey, routes, type Role } from '#shared/routes.ts';
import { alertStatuses, categories, severities } from '#shared/records.ts';
import { startLocalNetwork, type LocalNetwork } from '../support/local-network.ts';
import type { ApiAnswer } from '../support/api-client.ts';
import { alertBody } from '../support/story.ts';
import { unexpectedFields, type Allowed } from '../support/allow-list.ts';
import { calcomDelivery, signCalcom } from '../support/calcom.ts';

/**
 * The authorisation matrix (issue 6, suite 1): every route in the route table × every caller —
 * each role acting on a resource of its own practice and of another practice, no key, a
 * malformed key, a forged key and a revoked key — against the status api-v1.md gives (a request
 * without a valid key is refused before any route's function runs). Every
 * resource belongs to Harbour: "own practice" callers are Harbour's keys, "other practice"
 * callers Valley's. Each case makes its own fresh resource, so cases do not depend on order.
 * A 2xx answer may carry only the fields of its route's allow-list (per caller where views
 * differ); a refusal is problem+json, changes nothing, and a 404 for another practice's alert
 * reads exactly like the 404 for an alert that does not exist.
 */
let local: LocalNetwork;

type Scope = 'own' | 'other';
type Caller =
  | 'admin'
  | 'reviewer (own practice)'
  | 'reviewer (other practice)'
  | 'practice (own practice)'
  | 'practice (other practice)'
  | 'auditor'
  | 'no key'
  | 'malformed key'
  | 'forged key'
  | 'revoked key';
const callers: readonly Caller[] = [
  'admin',
  'reviewer (own practice)',
  'reviewer (other practice)',
  'practice (own practice)',
  'practice (other practice)',
  'auditor',
  'no key',
  'malformed key',
  'forged key',
  'revoked key',
];

interface MatrixRequest {
  readonly path: string;
  readonly body?: unknown;
  /** Sent as the body's exact bytes instead of `body` (a signed webhook delivery), with these headers. */
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
  /** The alert the request acts on: a refused request must leave it as it was. */
  readonly alertId?: string;
}

/** A status for both scopes, or one for a caller of the resource's own practice and one for another practice. */
type Scoped = number | { readonly own: number; readonly other: number };

interface Expectation {
  readonly admin: number;
  readonly reviewer: Scoped;
  readonly practice: Scoped;
  readonly auditor: number;
  /** No key, a malformed, forged or revoked key. */
  readonly withoutValidKey: number;
  /** Builds the request, with a fresh resource where the route changes one. */
  readonly request: () => Promise<MatrixRequest>;
  /** The fields a 2xx answer may carry (for this caller); absent for a 2xx without a body. */
  readonly allow?: Allowed | ((caller: Caller) => Allowed);
  /** The answer is JSON lines (the audit export): each line is checked. */
  readonly jsonLines?: boolean;
}

/** `METHOD /path` of every route in the table: the matrix must have exactly these keys. */
type RouteKey = keyof { [R in (typeof routes)[number] as `${R['method']} ${R['path']}`]: R };

// ── allow-lists ─────────────────────────────────────────────────────────────

/** A statistic: its value, or suppressed with the reason (never both). */
const figure: Allowed = { suppressed: 'leaf', value: 'leaf', reason: 'leaf' };
const figures = (keys: readonly string[]): Allowed => Object.fromEntries(keys.map((key) => [key, figure]));
/** GET /v1/stats (`full`) and its public summary: figures only, no identifier anywhere. */
function statsAllowed(full: boolean): Allowed {
  const disputes = figures(['opened', 'upheld', 'removed', 'open']);
  const tiers = figures(['strong', 'possible']);
  return {
    k: 'leaf',
    window: { from: 'leaf', to: 'leaf', days: 'leaf' },
    alerts: full
      ? { byStatus: figures(alertStatuses), byCategory: figures(categories), bySeverity: figures(severities), submitted: figure }
      : { published: figure, submitted: figure, byCategory: figures(categories) },
    outcomes: { ...(figures(['published', 'rejected', 'retracted', 'expired']) as Record<string, Allowed>), disputes },
    reviewTimes: figures(['decided', 'medianHoursAtMost', 'p90HoursAtMost']),
    checks: { ...(full ? { perDay: [{ day: 'leaf', checks: figure }] as const } : {}), total: figure, matches: tiers, matchRate: tiers },
    rescreen: figures(['registrations', 'notifications']),
    ...(full ? { notices: figures(['quotaExceeded', 'possibleEnumeration']) } : {}),
  };
}

const signed = { contentSha256: 'leaf', signature: 'leaf', keyId: 'leaf' } as const;
const receipt = { alertId: 'leaf', submittedAt: 'leaf', practiceId: 'leaf', digest: 'leaf', ...signed } as const;
/** The content key of the receipt's keyed digest reaches the submitter in its 201 answer, and nobody else ever. */
const issuedReceipt = { ...receipt, contentKey: 'leaf' } as const;
/** The incident without its free text (summary, actionsTaken): what an admin reads. */
const incident = { occurredOn: 'leaf', category: 'leaf', severity: 'leaf', witnesses: 'leaf' } as const;
const consent = { clauseId: 'leaf', clauseVersion: 'leaf', clauseSha256: 'leaf', signedOn: 'leaf', method: 'leaf', documentSha256: 'leaf' } as const;
const alertBase = { alertId: 'leaf', status: 'leaf', category: 'leaf', severity: 'leaf', submittedAt: 'leaf', publishedAt: 'leaf', expiresAt: 'leaf' } as const;

/** The submitting practice's view: decisions and reasons, never who reviewed, no incident text. */
const practiceAlertView: Allowed = {
  ...alertBase,
  reviews: [{ decision: 'leaf', reason: 'leaf', decidedAt: 'leaf' }],
  history: [{ at: 'leaf', action: 'leaf', status: 'leaf', actorRole: 'leaf', reason: 'leaf' }],
};
/** The admin's view: everything but the incident's free text (summary, actionsTaken: reviewers only). */
const adminAlertView = {
  ...alertBase,
  practiceId: 'leaf',
  incident,
  consent,
  approvals: 'leaf',
  receipt,
  publication: signed,
  reviews: [{ reviewerKeyId: 'leaf', reviewerPracticeId: 'leaf', decision: 'leaf', reason: 'leaf', decidedAt: 'leaf' }],
  history: [{ at: 'leaf', action: 'leaf', status: 'leaf', actorKeyId: 'leaf', actorRole: 'leaf', reason: 'leaf' }],
} as const;
/**
 * A reviewer of another practice reads what reviewing needs: the summary, the consent proof and
 * the decisions, with anonymous labels ("Reviewer A") for the reviewers. Never the reporting
 * practice (practiceId, the receipt, the publication digest over a statement naming it), nor
 * another reviewer's key or practice.
 */
const reviewerAlertView: Allowed = {
  ...alertBase,
  incident: { ...incident, actionsTaken: 'leaf', summary: 'leaf' },
  consent,
  approvals: 'leaf',
  reviews: [{ reviewer: 'leaf', mine: 'leaf', decision: 'leaf', reason: 'leaf', decidedAt: 'leaf' }],
  history: [{ at: 'leaf', action: 'leaf', status: 'leaf', actorRole: 'leaf', actor: 'leaf', mine: 'leaf', reason: 'leaf' }],
};

/**
 * Which view of an alert each caller gets. The contract is silent on a reviewer of the
 * submitting practice: they see what their practice sees (not who reviewed it, which the
 * practice view hides for a reason).
 */
const alertViewFor = (caller: Caller): Allowed =>
  caller === 'admin' ? adminAlertView : caller === 'reviewer (other practice)' ? reviewerAlertView : practiceAlertView;

const alertList = (caller: Caller): Allowed => ({ items: [alertViewFor(caller)], nextCursor: 'leaf' });
const keyListing = { keyId: 'leaf', role: 'leaf', practiceId: 'leaf', label: 'leaf', createdAt: 'leaf', revokedAt: 'leaf' } as const;
/** Every field a security notice may carry (quota, enumeration, subject-token lookup and governance notices). */
const notice = {
  type: 'leaf',
  practiceId: 'leaf',
  window: 'leaf',
  limit: 'leaf',
  nameOnlyNoMatch: 'leaf',
  windowStart: 'leaf',
  budget: 'leaf',
  day: 'leaf',
  slowedUntil: 'leaf',
  keyId: 'leaf',
  lookupsToday: 'leaf',
  role: 'leaf',
  byKeyId: 'leaf',
  at: 'leaf',
} as const;

const checkResult = {
  padding: 'leaf',
  checkId: 'leaf',
  result: 'leaf',
  confidence: 'leaf',
  matchedOn: ['leaf'],
  alerts: [{ category: 'leaf', severity: 'leaf', publishedOn: 'leaf', confidence: 'leaf', matchedOn: ['leaf'] }],
  reportingPractices: 'leaf',
  guidance: 'leaf',
} as const;

const auditEntry: Allowed = {
  chain: 'leaf',
  seq: 'leaf',
  at: 'leaf',
  action: 'leaf',
  actor: { keyId: 'leaf', role: 'leaf', practiceId: 'leaf' },
  targets: 'record',
  outcome: 'leaf',
  // Per-check digests of the tokens, never the tokens: one client's checks do not link.
  bookings: [{ checkId: 'leaf', tokenKinds: ['leaf'], tokenDigests: ['leaf'], result: 'leaf', confidence: 'leaf' }],
  detail: 'record',
  prevHash: 'leaf',
  hash: 'leaf',
};
const exportManifest: Allowed = {
  ...Object.fromEntries(
    [
      'type',
      'version',
      'exportId',
      'exportedBy',
      'format',
      'from',
      'to',
      'count',
      'chains',
      'rangesSha256',
      'firstSeq',
      'lastSeq',
      'firstPrevHash',
      'headHash',
      'firstAt',
      'lastAt',
      'generatedAt',
      'keyId',
      'algorithm',
      'signature',
    ].map((field) => [field, 'leaf' as const]),
  ),
  checkpoints: { first: 'leaf', last: 'leaf', lastRootHash: 'leaf' },
};

// ── per-case resources (all of them Harbour's) ──────────────────────────────

let serial = 0;
const unique = () => `${Date.now().toString(36)}-${(serial += 1)}`;
const keys = () => local.net.keys;
/** The subject of a published alert that every check case screens for (a strong match). */
const matchingSubject = { email: 'authz-matrix-match@example.org' };

async function pendingAlert(subject: Record<string, string> = { email: `authz-${unique()}@example.org` }): Promise<string> {
  const answer = await local.call('POST', '/v1/alerts', { key: keys().harbourDesk.apiKey, body: alertBody(local.net.clause, subject) });
  expect(answer.status).toBe(201);
  return answer.body.alertId as string;
}

async function publishedAlert(subject?: Record<string, string>): Promise<string> {
  const alertId = await pendingAlert(subject);
  for (const reviewer of [keys().elmReviewer, keys().valleyReviewer]) {
    const answer = await local.call('POST', `/v1/alerts/${alertId}/reviews`, {
      key: reviewer.apiKey,
      body: { decision: 'approve', reason: 'Consent and account in order.' },
    });
    expect(answer.status).toBe(200);
  }
  return alertId;
}

async function suspendedAlert(): Promise<string> {
  const alertId = await publishedAlert();
  const answer = await local.call('POST', `/v1/alerts/${alertId}/disputes`, { key: local.adminKey, body: { reason: 'Client disputes the record.' } });
  expect(answer.status).toBe(200);
  return alertId;
}

async function freshKeyId(): Promise<string> {
  const answer = await local.call('POST', '/v1/keys', { key: local.adminKey, body: { role: 'auditor', label: `to revoke ${unique()}` } });
  expect(answer.status).toBe(201);
  return answer.body.keyId as string;
}

/** Harbour's Cal.com integration, (re)set by every case that needs one. */
const calcomSecret = 'authz-matrix-webhook-secret-0001';
async function harbourCalcom(): Promise<void> {
  const answer = await local.call('PUT', `/v1/practices/${local.net.practices.harbour}/integrations/calcom`, {
    key: local.adminKey,
    body: { webhookSecret: calcomSecret },
  });
  expect(answer.status).toBe(200);
}
const calcomView: Allowed = Object.fromEntries(
  ['practiceId', 'provider', 'webhookPath', 'webhookSecretSet', 'calcomApiKeySet', 'calcomApiBaseUrl', 'onMatch', 'declineReason', 'configuredAt'].map(
    (field) => [field, 'leaf' as const],
  ),
);

/** A booking of Harbour's registered for re-screening (a fresh ref per case). */
const appointmentSoon = () => isoDate(addDays(local.clock(), 7));
async function harbourRegistration(): Promise<string> {
  const ref = `matrix-${unique().replace(/[^A-Za-z0-9-]/g, '')}`;
  const answer = await local.call('POST', '/v1/bookings', {
    key: keys().harbourDesk.apiKey,
    body: { ref, appointmentOn: appointmentSoon(), subject: { email: `booked-${ref}@example.org` } },
  });
  expect(answer.status).toBe(201);
  return ref;
}
const registrationAnswer: Allowed = { ref: 'leaf', appointmentOn: 'leaf', keptUntil: 'leaf', ...checkResult };
const rescreenMatch = { checkId: 'leaf', confidence: 'leaf', category: 'leaf', severity: 'leaf', publishedOn: 'leaf', matchedAt: 'leaf' } as const;
const matchDigest: Allowed = { alertId: 'leaf', enabled: 'leaf', threshold: 'leaf', days: [{ day: 'leaf', matches: 'leaf' }] };
/** A checkpoint: chain names, sequence numbers, hashes and instants only. */
const checkpointView: Allowed = {
  ...Object.fromEntries(['type', 'number', 'prevHash', 'madeAt', 'treeSize', 'rootHash', 'keyId', 'signature'].map((field) => [field, 'leaf' as const])),
  heads: [{ chain: 'leaf', seq: 'leaf', hash: 'leaf', at: 'leaf' }],
};

let readableAlertId: string;
const revokedKeys = {} as Record<Role, string>;

// ── the matrix ──────────────────────────────────────────────────────────────

const refusedToAllBut = (role: Role, status: number): Omit<Expectation, 'request' | 'allow' | 'jsonLines'> => ({
  admin: 403,
  reviewer: 403,
  practice: 403,
  auditor: 403,
  withoutValidKey: 401,
  [role]: status,
});

const matrix: Record<RouteKey, Expectation> = {
  'GET /v1/health': {
    admin: 200,
    reviewer: 200,
    practice: 200,
    auditor: 200,
    withoutValidKey: 200, // public: credentials are not even looked at
    request: async () => ({ path: '/v1/health' }),
    allow: { status: 'leaf' },
  },
  'GET /v1/openapi.json': {
    admin: 200,
    reviewer: 200,
    practice: 200,
    auditor: 200,
    withoutValidKey: 200, // public: the document describes the API, it holds no data
    request: async () => ({ path: '/v1/openapi.json' }),
    allow: 'any',
  },
  'GET /v1/me': {
    admin: 200,
    reviewer: 200,
    practice: 200,
    auditor: 200,
    withoutValidKey: 401,
    request: async () => ({ path: '/v1/me' }),
    allow: { keyId: 'leaf', role: 'leaf', practiceId: 'leaf', practiceName: 'leaf', label: 'leaf' },
  },
  'GET /v1/practices': {
    ...refusedToAllBut('admin', 200),
    request: async () => ({ path: '/v1/practices' }),
    allow: { items: [{ practiceId: 'leaf', name: 'leaf', region: 'leaf', createdAt: 'leaf' }] },
  },
  'GET /v1/keys': {
    ...refusedToAllBut('admin', 200),
    request: async () => ({ path: `/v1/keys?practiceId=${local.net.practices.harbour}` }),
    allow: { items: [keyListing] },
  },
  'GET /v1/overview': {
    ...refusedToAllBut('admin', 200),
    request: async () => ({ path: '/v1/overview' }),
    allow: { alertsByStatus: 'record', checksPerDay: [{ day: 'leaf', checks: 'leaf', matches: 'leaf' }], notices: [notice] },
  },
  'GET /v1/stats': {
    ...refusedToAllBut('admin', 200),
    request: async () => ({ path: '/v1/stats' }),
    allow: statsAllowed(true),
  },
  'GET /v1/stats/summary': {
    admin: 200,
    reviewer: 200,
    practice: 200,
    auditor: 200,
    withoutValidKey: 200, // public: network-wide figures with the suppression, no identifier; credentials are not looked at
    request: async () => ({ path: '/v1/stats/summary' }),
    allow: statsAllowed(false),
  },
  'POST /v1/practices': {
    ...refusedToAllBut('admin', 201),
    request: async () => ({ path: '/v1/practices', body: { name: `Matrix Practice ${unique()}`, region: 'CT' } }),
    allow: { practiceId: 'leaf', name: 'leaf', region: 'leaf', createdAt: 'leaf' },
  },
  'POST /v1/keys': {
    ...refusedToAllBut('admin', 201),
    request: async () => ({ path: '/v1/keys', body: { role: 'practice', practiceId: local.net.practices.harbour, label: `matrix ${unique()}` } }),
    allow: { keyId: 'leaf', apiKey: 'leaf', role: 'leaf', practiceId: 'leaf', label: 'leaf' },
  },
  'DELETE /v1/keys/{keyId}': {
    ...refusedToAllBut('admin', 204),
    request: async () => ({ path: `/v1/keys/${await freshKeyId()}` }),
  },
  'POST /v1/consent-clauses': {
    ...refusedToAllBut('admin', 201),
    request: async () => ({ path: '/v1/consent-clauses', body: { text: `Matrix clause ${unique()}`, jurisdiction: 'US-CT' } }),
    allow: { clauseId: 'leaf', version: 'leaf', sha256: 'leaf', publishedAt: 'leaf' },
  },
  'POST /v1/consent-clauses/{clauseId}/versions': {
    ...refusedToAllBut('admin', 201),
    request: async () => ({ path: `/v1/consent-clauses/${local.net.clause.clauseId}/versions`, body: { text: `Matrix clause version ${unique()}` } }),
    allow: { clauseId: 'leaf', version: 'leaf', sha256: 'leaf', publishedAt: 'leaf' },
  },
  'GET /v1/consent-clauses': {
    admin: 200,
    reviewer: 200,
    practice: 200,
    auditor: 200,
    withoutValidKey: 401,
    request: async () => ({ path: '/v1/consent-clauses' }),
    allow: { items: [{ clauseId: 'leaf', version: 'leaf', sha256: 'leaf', text: 'leaf', jurisdiction: 'leaf', publishedAt: 'leaf' }] },
  },
  'POST /v1/alerts': {
    ...refusedToAllBut('practice', 201),
    request: async () => ({ path: '/v1/alerts', body: alertBody(local.net.clause, { email: `authz-${unique()}@example.org` }) }),
    allow: { alertId: 'leaf', status: 'leaf', receipt: issuedReceipt },
  },
  'GET /v1/alerts': {
    ...refusedToAllBut('admin', 200),
    practice: 200, // each practice lists its own alerts (Valley's list holds none of Harbour's: see below)
    request: async () => ({ path: '/v1/alerts?limit=100' }),
    allow: alertList,
  },
  'GET /v1/alerts/{alertId}': {
    admin: 200,
    // The alert is published; Valley's reviewer decided it. Harbour's reviewer may not decide their own practice's alerts.
    reviewer: { own: 404, other: 200 },
    practice: { own: 200, other: 404 },
    auditor: 403,
    withoutValidKey: 401,
    request: async () => ({ path: `/v1/alerts/${readableAlertId}`, alertId: readableAlertId }),
    allow: alertViewFor,
  },
  'POST /v1/alerts/{alertId}/retract': {
    ...refusedToAllBut('admin', 200),
    practice: { own: 200, other: 404 },
    request: async () => {
      const alertId = await publishedAlert();
      return { path: `/v1/alerts/${alertId}/retract`, body: { reason: 'Entered against the wrong client.' }, alertId };
    },
    allow: alertViewFor,
  },
  'POST /v1/alerts/{alertId}/disputes': {
    ...refusedToAllBut('admin', 200),
    request: async () => {
      const alertId = await publishedAlert();
      return { path: `/v1/alerts/${alertId}/disputes`, body: { reason: 'Client disputes the record.' }, alertId };
    },
    allow: alertViewFor,
  },
  'POST /v1/alerts/{alertId}/reinstate': {
    ...refusedToAllBut('admin', 200),
    request: async () => {
      const alertId = await suspendedAlert();
      return { path: `/v1/alerts/${alertId}/reinstate`, body: { reason: 'Dispute heard; record upheld.' }, alertId };
    },
    allow: alertViewFor,
  },
  'GET /v1/reviews/queue': {
    ...refusedToAllBut('reviewer', 200),
    request: async () => ({ path: '/v1/reviews/queue' }),
    allow: {
      items: [
        {
          alertId: 'leaf',
          category: 'leaf',
          severity: 'leaf',
          incident: { ...incident, actionsTaken: 'leaf', summary: 'leaf' },
          consent,
          submittedAt: 'leaf',
          approvals: 'leaf',
        },
      ],
    },
  },
  'GET /v1/reviews/decided': {
    ...refusedToAllBut('reviewer', 200),
    request: async () => ({ path: '/v1/reviews/decided' }),
    allow: { items: [reviewerAlertView] },
  },
  'POST /v1/alerts/{alertId}/reviews': {
    ...refusedToAllBut('reviewer', 200),
    reviewer: { own: 403, other: 200 }, // a reviewer of the submitting practice may not decide
    request: async () => {
      const alertId = await pendingAlert();
      return { path: `/v1/alerts/${alertId}/reviews`, body: { decision: 'approve', reason: 'Specific, consent in order.' }, alertId };
    },
    allow: alertViewFor,
  },
  'POST /v1/alerts/{alertId}/reconfirm': {
    ...refusedToAllBut('reviewer', 200),
    reviewer: { own: 403, other: 200 },
    request: async () => {
      const alertId = await publishedAlert();
      return { path: `/v1/alerts/${alertId}/reconfirm`, body: { reason: 'Still relevant.' }, alertId };
    },
    allow: alertViewFor,
  },
  'POST /v1/checks': {
    ...refusedToAllBut('practice', 200), // own practice: a practice's own alerts match too
    request: async () => ({ path: '/v1/checks', body: { subject: matchingSubject } }),
    allow: checkResult,
  },
  'POST /v1/checks/batch': {
    ...refusedToAllBut('practice', 200),
    request: async () => ({
      path: '/v1/checks/batch',
      body: {
        bookings: [
          { ref: 'bk-1', subject: matchingSubject },
          { ref: 'bk-2', subject: { email: `nobody-${unique()}@example.org` } },
        ],
      },
    }),
    allow: { results: [{ ref: 'leaf', ...checkResult }] },
  },
  'PUT /v1/practices/{practiceId}/integrations/calcom': {
    ...refusedToAllBut('admin', 200),
    practice: { own: 200, other: 404 }, // another practice's integration reads like a practice that does not exist
    request: async () => ({
      path: `/v1/practices/${local.net.practices.harbour}/integrations/calcom`,
      body: { webhookSecret: calcomSecret, onMatch: 'notify' },
    }),
    allow: calcomView,
  },
  'GET /v1/practices/{practiceId}/integrations/calcom': {
    ...refusedToAllBut('admin', 200),
    practice: { own: 200, other: 404 },
    request: async () => {
      await harbourCalcom();
      return { path: `/v1/practices/${local.net.practices.harbour}/integrations/calcom` };
    },
    allow: calcomView,
  },
  'POST /v1/integrations/calcom/{practiceId}': {
    // No API key: the signature authenticates, and credentials are not even looked at.
    admin: 200,
    reviewer: 200,
    practice: 200,
    auditor: 200,
    withoutValidKey: 200,
    request: async () => {
      await harbourCalcom();
      const rawBody = JSON.stringify(
        calcomDelivery({ uid: `authz-${unique().replace(/[^A-Za-z0-9-]/g, '')}`, attendees: [{ name: 'Matrix Guest', email: matchingSubject.email }] }),
      );
      return {
        path: `/v1/integrations/calcom/${local.net.practices.harbour}`,
        rawBody,
        headers: { 'content-type': 'application/json', 'x-cal-signature-256': signCalcom(calcomSecret, rawBody) },
      };
    },
    allow: { triggerEvent: 'leaf', screened: 'leaf', result: 'leaf', bookingAction: 'leaf', attendees: [{ attendee: 'leaf', ...checkResult, reason: 'leaf' }] },
  },
  'POST /v1/bookings': {
    ...refusedToAllBut('practice', 201), // each practice registers its own bookings
    request: async () => ({
      path: '/v1/bookings',
      body: { ref: `matrix-${unique().replace(/[^A-Za-z0-9-]/g, '')}`, appointmentOn: appointmentSoon(), subject: matchingSubject },
    }),
    allow: registrationAnswer,
  },
  'GET /v1/bookings': {
    ...refusedToAllBut('practice', 200), // each practice lists its own registrations
    request: async () => {
      await harbourRegistration();
      return { path: '/v1/bookings' };
    },
    allow: { items: [{ ref: 'leaf', appointmentOn: 'leaf', registeredAt: 'leaf', checkId: 'leaf', matches: [rescreenMatch] }] },
  },
  'DELETE /v1/bookings/{ref}': {
    ...refusedToAllBut('practice', 204),
    practice: { own: 204, other: 404 }, // another practice's registration reads like one that does not exist
    request: async () => ({ path: `/v1/bookings/${await harbourRegistration()}` }),
  },
  'GET /v1/alerts/{alertId}/match-digest': {
    ...refusedToAllBut('practice', 200),
    practice: { own: 200, other: 404 }, // only the reporting practice
    request: async () => ({ path: `/v1/alerts/${readableAlertId}/match-digest`, alertId: readableAlertId }),
    allow: matchDigest,
  },
  'PUT /v1/alerts/{alertId}/match-digest': {
    ...refusedToAllBut('practice', 200),
    practice: { own: 200, other: 404 },
    request: async () => {
      const alertId = await publishedAlert();
      return { path: `/v1/alerts/${alertId}/match-digest`, body: { enabled: true }, alertId };
    },
    allow: matchDigest,
  },
  'GET /v1/audit/export': {
    ...refusedToAllBut('auditor', 200),
    request: async () => {
      const today = isoDate(local.clock());
      return { path: `/v1/audit/export?from=${today}&to=${today}&format=jsonl` };
    },
    allow: auditEntry,
    jsonLines: true,
  },
  'GET /v1/audit/verification-key': {
    ...refusedToAllBut('auditor', 200),
    request: async () => ({ path: '/v1/audit/verification-key' }),
    allow: { keyId: 'leaf', algorithm: 'leaf', publicKeyPem: 'leaf' },
  },
  'POST /v1/audit/subject-tokens': {
    ...refusedToAllBut('auditor', 200),
    request: async () => ({ path: '/v1/audit/subject-tokens', body: { subject: matchingSubject } }),
    allow: { tokens: [{ kind: 'leaf', token: 'leaf', keyVersion: 'leaf' }] },
  },
  'GET /v1/audit/checkpoints': {
    ...refusedToAllBut('auditor', 200),
    admin: 200,
    request: async () => ({ path: '/v1/audit/checkpoints' }),
    allow: { checkpoints: [checkpointView], latest: 'leaf' },
  },
  'POST /v1/audit/checkpoints': {
    ...refusedToAllBut('auditor', 201),
    admin: 201,
    request: async () => ({ path: '/v1/audit/checkpoints' }),
    allow: { checkpoint: checkpointView },
  },
};

// ── callers ─────────────────────────────────────────────────────────────────

const scoped = (value: Scoped, scope: Scope) => (typeof value === 'number' ? value : value[scope]);

function expectedStatus(expectation: Expectation, caller: Caller): number {
  switch (caller) {
    case 'admin':
    case 'auditor':
      return expectation[caller];
    case 'reviewer (own practice)':
      return scoped(expectation.reviewer, 'own');
    case 'reviewer (other practice)':
      return scoped(expectation.reviewer, 'other');
    case 'practice (own practice)':
      return scoped(expectation.practice, 'own');
    case 'practice (other practice)':
      return scoped(expectation.practice, 'other');
    default:
      return expectation.withoutValidKey;
  }
}

/** A role the route lets in (so a bad key's 401 is about the key, not the role). */
const allowedRole = (route: (typeof routes)[number]): Role => (route.roles as readonly Role[])[0] ?? 'admin';

function validKey(role: Role): string {
  return { admin: local.adminKey, reviewer: keys().valleyReviewer.apiKey, practice: keys().valleyDesk.apiKey, auditor: keys().auditor.apiKey }[role];
}

function keyFor(caller: Caller, route: (typeof routes)[number]): string | undefined {
  switch (caller) {
    case 'admin':
      return local.adminKey;
    case 'reviewer (own practice)':
      return keys().harbourReviewer.apiKey;
    case 'reviewer (other practice)':
      return keys().valleyReviewer.apiKey;
    case 'practice (own practice)':
      return keys().harbourDesk.apiKey;
    case 'practice (other practice)':
      return keys().valleyDesk.apiKey;
    case 'auditor':
      return keys().auditor.apiKey;
    case 'no key':
      return undefined;
    case 'malformed key':
      return 'not-a-peerguard-key';
    case 'forged key': {
      // A real key id of a role the route allows, with a secret that is not its own.
      const real = validKey(allowedRole(route));
      return `${real.slice(0, real.lastIndexOf('.') + 1)}${'A'.repeat(43)}`;
    }
    case 'revoked key':
      return revokedKeys[allowedRole(route)];
  }
}

/** What a caller can see of an alert's state, to prove a refusal changed nothing. */
async function alertState(alertId: string) {
  const answer = await local.call('GET', `/v1/alerts/${alertId}`, { key: local.adminKey });
  expect(answer.status).toBe(200);
  return answer.body as Record<string, unknown>;
}

const withoutInstance = (body: Record<string, unknown>) => {
  const { instance: _instance, ...rest } = body;
  return rest;
};

beforeAll(async () => {
  // A short period with a longer re-confirmation window: a freshly published alert may be re-confirmed.
  local = await startLocalNetwork({ ALERT_TTL_DAYS: '30', RECONFIRM_WINDOW_DAYS: '60' });
  readableAlertId = await publishedAlert();
  await publishedAlert(matchingSubject);
  // Something in every reviewer's queue: an alert of Valley's for Harbour's reviewer, of Harbour's for Valley's.
  await pendingAlert();
  const valleyAlert = await local.call('POST', '/v1/alerts', {
    key: keys().valleyDesk.apiKey,
    body: alertBody(local.net.clause, { email: `valley-${unique()}@example.org` }),
  });
  expect(valleyAlert.status).toBe(201);
  for (const role of ['admin', 'reviewer', 'practice', 'auditor'] as const) {
    const practiceId = role === 'reviewer' || role === 'practice' ? local.net.practices.harbour : undefined;
    const created = await local.call('POST', '/v1/keys', { key: local.adminKey, body: { role, practiceId, label: `revoked ${role}` } });
    expect(created.status).toBe(201);
    expect((await local.call('DELETE', `/v1/keys/${created.body.keyId}`, { key: local.adminKey })).status).toBe(204);
    revokedKeys[role] = created.body.apiKey;
  }
}, 60_000);

afterAll(() => local?.stop());

describe('the matrix itself', () => {
  it('has exactly one entry per route in the route table (a new route without an entry fails)', () => {
    expect(Object.keys(matrix).sort()).toEqual(routes.map(routeKey).sort());
  });

  it('the allow-list check names a field it does not allow, however deep', () => {
    expect(unexpectedFields({ alertId: 'alt_1', reviews: [{ decision: 'approve', reviewerKeyId: 'key_x' }] }, practiceAlertView)).toEqual([
      '$.reviews[0].reviewerKeyId',
    ]);
    expect(unexpectedFields({ incident: { summary: 'text' } }, adminAlertView)).toEqual(['$.incident.summary']);
    expect(unexpectedFields({ targets: { alertId: { nested: 1 } } }, auditEntry)).toEqual(['$.targets.alertId (expected a plain value)']);
    expect(unexpectedFields({ status: 'ok', tokens: ['abc'] }, { status: 'leaf' })).toEqual(['$.tokens']);
    expect(unexpectedFields({ alertId: 'alt_1', reviews: [], history: [] }, practiceAlertView)).toEqual([]);
  });
});

const cases = routes.flatMap((route) =>
  callers.map((caller) => ({ route, caller, name: routeKey(route), expected: expectedStatus(matrix[routeKey(route) as RouteKey], caller) })),
);

describe('every route × every caller', () => {
  it.each(cases)('$name as $caller → $expected', async ({ route, caller, expected }) => {
    const expectation = matrix[routeKey(route) as RouteKey];
    const request = await expectation.request();
    const key = keyFor(caller, route);
    const before = request.alertId && expected >= 300 ? await alertState(request.alertId) : undefined;

    const answer: ApiAnswer = await local.call(route.method, request.path, { key, body: request.body, rawBody: request.rawBody, headers: request.headers });
    expect(answer.status, answer.text).toBe(expected);

    if (expected < 300) {
      const allowed = typeof expectation.allow === 'function' ? expectation.allow(caller) : expectation.allow;
      if (allowed === undefined) {
        expect(answer.text).toBe('');
        return;
      }
      const bodies = expectation.jsonLines
        ? answer.text
            .trimEnd()
            .split('\n')
            .map((line) => JSON.parse(line) as Record<string, unknown>)
        : [answer.body];
      expect(bodies.length).toBeGreaterThan(0);
      for (const body of bodies) {
        const shape =
          expectation.jsonLines && body.type === 'manifest'
            ? exportManifest
            : expectation.jsonLines && body.type === 'peerguard.audit.checkpoint.v1'
              ? checkpointView
              : allowed;
        expect(unexpectedFields(body, shape), `fields not in the allow-list of ${routeKey(route)} for ${caller}`).toEqual([]);
      }
      return;
    }

    // A refusal: a problem document a person can act on, and nothing changed.
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    // A request without a valid key never reaches the route's function (in AWS, API Gateway answers it).
    if (caller === 'no key') expect(local.serverLog.at(-1)).toMatch(/ 401 .*\(no key\)$/);
    if (caller === 'malformed key' || caller === 'forged key' || caller === 'revoked key')
      expect(local.serverLog.at(-1)).toMatch(/ 401 .*\(refused by the authorizer\)$/);
    expect(answer.body).toMatchObject({
      type: expect.stringMatching(/^https:\/\/peerguard\.dev\/problems\//),
      title: expect.any(String),
      status: expected,
      detail: expect.any(String),
    });
    if (request.alertId) expect(await alertState(request.alertId)).toEqual(before);
    if (expected === 404 && request.alertId) {
      // Another practice's alert reads exactly like one that does not exist.
      const missing = await local.call(route.method, request.path.replace(request.alertId, newId('alt', local.clock())), { key, body: request.body });
      expect(missing.status).toBe(404);
      expect(withoutInstance(answer.body)).toEqual(withoutInstance(missing.body));
    }
  });
});

describe('a reviewer reads only what reviewing needs', () => {
  const read = (alertId: string, key: string) => local.call('GET', `/v1/alerts/${alertId}`, { key });
  const identities = () => [
    local.net.practices.harbour,
    local.net.practices.elm,
    local.net.practices.valley,
    ...Object.values(keys()).map(({ keyId }) => keyId),
  ];

  it('reads a pending alert they may decide, without the reporting practice or anything that names it', async () => {
    const alertId = await pendingAlert();
    const answer = await read(alertId, keys().elmReviewer.apiKey);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ alertId, status: 'pending_review', incident: { summary: expect.any(String) } });
    for (const field of ['practiceId', 'receipt', 'publication']) expect(answer.body).not.toHaveProperty(field);
    for (const id of identities()) expect(answer.text).not.toContain(id);
  });

  it('any other alert is a 404 exactly like one that does not exist', async () => {
    const published = await publishedAlert(); // decided by Elm's first reviewer and Valley's
    const rejected = await pendingAlert();
    expect(
      (
        await local.call('POST', `/v1/alerts/${rejected}/reviews`, {
          key: keys().elmReviewer.apiKey,
          body: { decision: 'reject', reason: 'No consent on file.' },
        })
      ).status,
    ).toBe(200);
    const ownPractice = await pendingAlert();
    const missing = await read(newId('alt', local.clock()), keys().elmReviewer2.apiKey);
    expect(missing.status).toBe(404);
    for (const [alertId, key] of [
      [published, keys().elmReviewer2.apiKey], // published, and this reviewer did not decide it
      [rejected, keys().valleyReviewer.apiKey], // decided by someone else, no longer under review
      [ownPractice, keys().harbourReviewer.apiKey], // their own practice's: they may not decide it
    ] as const) {
      const answer = await read(alertId, key);
      expect(answer.status, alertId).toBe(404);
      expect(withoutInstance(answer.body)).toEqual(withoutInstance(missing.body));
    }
  });

  it('sees the other reviewers as stable labels, never their keys or practices', async () => {
    const alertId = await publishedAlert(); // Elm's reviewer first, then Valley's
    const decision = (reviewer: string, mine: boolean) => ({
      reviewer,
      mine,
      decision: 'approve',
      reason: 'Consent and account in order.',
      decidedAt: expect.any(String),
    });
    const asValley = await read(alertId, keys().valleyReviewer.apiKey);
    expect(asValley.status).toBe(200);
    expect(asValley.body.reviews).toEqual([decision('Reviewer A', false), decision('Reviewer B', true)]);
    const asElm = await read(alertId, keys().elmReviewer.apiKey);
    expect(asElm.body.reviews).toEqual([decision('Reviewer A', true), decision('Reviewer B', false)]);
    expect(asValley.body.history.map((entry: { actor: string }) => entry.actor)).toEqual(['Submitting practice', 'Reviewer A', 'Reviewer B', 'Reviewer B']);
    for (const answer of [asValley, asElm]) for (const id of identities()) expect(answer.text).not.toContain(id);

    const decided = await local.call('GET', '/v1/reviews/decided', { key: keys().valleyReviewer.apiKey });
    expect(decided.status).toBe(200);
    expect(decided.body.items.find((item: { alertId: string }) => item.alertId === alertId)).toEqual(asValley.body);
  });
});

describe('alert lists', () => {
  it("a practice lists only its own alerts; an admin lists every practice's", async () => {
    const valleyAlert = await local.call('POST', '/v1/alerts', {
      key: keys().valleyDesk.apiKey,
      body: alertBody(local.net.clause, { email: `valley-list-${unique()}@example.org` }),
    });
    expect(valleyAlert.status).toBe(201);
    const ids = async (key: string) => {
      const answer = await local.call('GET', '/v1/alerts?limit=100', { key });
      expect(answer.status).toBe(200);
      return (answer.body.items as { alertId: string }[]).map((item) => item.alertId);
    };
    const [harbour, valley, admin] = await Promise.all([ids(keys().harbourDesk.apiKey), ids(keys().valleyDesk.apiKey), ids(local.adminKey)]);
    expect(harbour).toContain(readableAlertId);
    expect(harbour).not.toContain(valleyAlert.body.alertId);
    expect(valley).toContain(valleyAlert.body.alertId);
    expect(valley).not.toContain(readableAlertId);
    expect(admin).toEqual(expect.arrayContaining([readableAlertId, valleyAlert.body.alertId]));
  });
});
