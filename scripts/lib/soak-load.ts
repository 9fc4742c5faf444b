/**
 * The soak's mixed load: a small network set up over HTTP, then workers that keep sending
 * submissions, reviews (which publish), checks, batch checks, exports, queue reads and a few
 * requests that must fail (duplicate reviews, invalid checks) until the time or the request
 * budget runs out. Every request is recorded with the audit entries its answer promises.
 */
import { createHash } from 'node:crypto';
import { isoDate } from '#shared/dates.ts';
import { manifestFromHeader } from '#shared/audit/manifest.ts';
import type { ExpectedEntry, RecordedRequest } from './soak-reconcile.ts';
import { assertLoopback } from './soak-reconcile.ts';

interface Answer {
  readonly status: number;
  readonly headers: Headers | undefined;
  readonly body: any;
}

const requestTimeoutMs = 30_000;

function client(baseUrl: string) {
  assertLoopback(baseUrl);
  return async (method: string, path: string, key: string, body?: unknown): Promise<Answer> => {
    try {
      const response = await fetch(new URL(path, baseUrl), {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: response.status, headers: response.headers, body: parsed };
    } catch {
      return { status: 0, headers: undefined, body: undefined };
    }
  };
}

const ok = (status: number) => status >= 200 && status <= 299;

export interface SoakNetwork {
  readonly keys: {
    admin: string;
    harbourDesk: string;
    valleyDesk: string;
    elmDesk: string;
    elmReviewer: string;
    elmReviewer2: string;
    valleyReviewer: string;
    auditor: string;
  };
  /** Key ids of the reviewer keys (the audit log names the reviewer by key id). */
  readonly reviewerKeyIds: { elmReviewer: string; elmReviewer2: string; valleyReviewer: string };
  readonly clause: { clauseId: string; version: number; sha256: string };
}

/** Practices, keys and a consent clause, each request recorded like the load's own. */
export async function setUpSoakNetwork(baseUrl: string, adminKey: string, record: (request: RecordedRequest) => void): Promise<SoakNetwork> {
  const call = client(baseUrl);
  const must = (what: string, answer: Answer) => {
    if (!ok(answer.status)) throw new Error(`setting up the soak network: ${what} answered ${answer.status}`);
    return answer.body;
  };
  const practice = async (name: string) => {
    const answer = await call('POST', '/v1/practices', adminKey, { name, region: 'CT' });
    const id = ok(answer.status) ? (answer.body.practiceId as string) : '';
    record({ kind: 'setup', status: answer.status, allowed: [201], expects: [{ action: 'practice.created', key: id }] });
    return must(`practice ${name}`, answer).practiceId as string;
  };
  const key = async (role: string, practiceId: string | undefined, label: string) => {
    const answer = await call('POST', '/v1/keys', adminKey, { role, practiceId, label });
    const id = ok(answer.status) ? (answer.body.keyId as string) : '';
    record({ kind: 'setup', status: answer.status, allowed: [201], expects: [{ action: 'key.created', key: id }] });
    const body = must(`key ${label}`, answer);
    return { apiKey: body.apiKey as string, keyId: body.keyId as string };
  };
  const [harbour, elm, valley] = [await practice('Harbour Massage'), await practice('Elm Street Bodywork'), await practice('Valley Therapy')];
  const harbourDesk = await key('practice', harbour, 'Harbour front desk');
  const valleyDesk = await key('practice', valley, 'Valley front desk');
  const elmDesk = await key('practice', elm, 'Elm front desk');
  const elmReviewer = await key('reviewer', elm, 'Elm reviewer');
  const elmReviewer2 = await key('reviewer', elm, 'Elm second reviewer');
  const valleyReviewer = await key('reviewer', valley, 'Valley reviewer');
  const auditor = await key('auditor', undefined, 'Soak auditor');
  const text = 'I authorise this practice to tell other participating professionals whether it would work with me again.';
  const clauseAnswer = await call('POST', '/v1/consent-clauses', adminKey, { text, jurisdiction: 'US-CT' });
  const clauseKey = ok(clauseAnswer.status) ? `${clauseAnswer.body.clauseId}#${clauseAnswer.body.version}` : '';
  record({ kind: 'setup', status: clauseAnswer.status, allowed: [201], expects: [{ action: 'clause.published', key: clauseKey }] });
  const clause = must('consent clause', clauseAnswer) as SoakNetwork['clause'];
  return {
    keys: {
      admin: adminKey,
      harbourDesk: harbourDesk.apiKey,
      valleyDesk: valleyDesk.apiKey,
      elmDesk: elmDesk.apiKey,
      elmReviewer: elmReviewer.apiKey,
      elmReviewer2: elmReviewer2.apiKey,
      valleyReviewer: valleyReviewer.apiKey,
      auditor: auditor.apiKey,
    },
    reviewerKeyIds: { elmReviewer: elmReviewer.keyId, elmReviewer2: elmReviewer2.keyId, valleyReviewer: valleyReviewer.keyId },
    clause: { clauseId: clause.clauseId, version: clause.version, sha256: clause.sha256 },
  };
}

export interface LoadOptions {
  readonly baseUrl: string;
  readonly network: SoakNetwork;
  readonly durationMs: number;
  readonly concurrency: number;
  readonly maxRequests: number;
  readonly record: (request: RecordedRequest) => void;
}

/** Out of 100: what each worker's next request is. */
const mix: readonly [Kind, number][] = [
  ['check', 40],
  ['batch', 10],
  ['submit', 14],
  ['review', 24],
  ['duplicate-review', 2],
  ['export', 2],
  ['queue', 4],
  ['invalid-check', 4],
];
type Kind = 'check' | 'batch' | 'submit' | 'review' | 'duplicate-review' | 'export' | 'queue' | 'invalid-check';

interface SoakAlert {
  readonly alertId: string;
  readonly email: string;
  /** Every eighth alert is rejected instead of approved. */
  readonly rejects: boolean;
  stage: 'new' | 'approved-once' | 'decided';
  busy: boolean;
}

/** Runs the load until `durationMs` has passed or `maxRequests` were sent; returns how many were sent. */
export async function runLoad(options: LoadOptions): Promise<number> {
  const call = client(options.baseUrl);
  const { keys, reviewerKeyIds, clause } = options.network;
  const deadline = Date.now() + options.durationMs;
  const pending: SoakAlert[] = [];
  const approvedOnce: SoakAlert[] = [];
  const published: string[] = [];
  const rejected: string[] = [];
  let sent = 0;
  let serial = 0;
  const documentSha256 = createHash('sha256').update('soak intake form').digest('hex');
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(Math.random() * items.length)];
  const desks = [keys.valleyDesk, keys.elmDesk, keys.harbourDesk];

  /** A subject whose right answer is known: a published client's e-mail, or one nobody reported. */
  const knownSubject = (): { subject: { email: string }; expected: 'match' | 'no_match' } => {
    const roll = Math.random();
    const email = roll < 0.4 ? pick(published) : roll < 0.5 ? pick(rejected) : undefined;
    if (email !== undefined) return { subject: { email }, expected: published.includes(email) ? 'match' : 'no_match' };
    return { subject: { email: `unknown-${serial++}@soak.example` }, expected: 'no_match' };
  };

  const operations: Record<Kind, () => Promise<void>> = {
    submit: async () => {
      const n = serial++;
      const email = `client-${n}@soak.example`;
      const answer = await call('POST', '/v1/alerts', keys.harbourDesk, {
        subject: { email, fullName: `Soak Client ${n}`, dateOfBirth: '1980-01-01' },
        incident: {
          occurredOn: '2026-11-02',
          category: 'harassment',
          severity: 'medium',
          summary: `Soak incident ${n}: repeated unwanted messages.`,
          witnesses: 0,
        },
        consent: {
          clauseId: clause.clauseId,
          clauseVersion: clause.version,
          clauseSha256: clause.sha256,
          signedOn: '2026-10-01',
          method: 'e_signature',
          documentSha256,
        },
      });
      const expects: ExpectedEntry[] = ok(answer.status) ? [{ action: 'alert.submitted', key: answer.body.alertId }] : [];
      options.record({ kind: 'submit', status: answer.status, allowed: [201], expects });
      if (ok(answer.status)) pending.push({ alertId: answer.body.alertId, email, rejects: n % 8 === 0, stage: 'new', busy: false });
    },
    review: async () => {
      const alert = pending.find((candidate) => !candidate.busy);
      if (!alert) return operations.submit();
      alert.busy = true;
      const [key, keyId, decision] =
        alert.stage === 'new'
          ? alert.rejects
            ? [keys.valleyReviewer, reviewerKeyIds.valleyReviewer, 'reject' as const]
            : [keys.elmReviewer, reviewerKeyIds.elmReviewer, 'approve' as const]
          : [keys.valleyReviewer, reviewerKeyIds.valleyReviewer, 'approve' as const];
      const answer = await call('POST', `/v1/alerts/${alert.alertId}/reviews`, key, { decision, reason: 'Soak review.' });
      alert.busy = false;
      const expects: ExpectedEntry[] = [];
      if (ok(answer.status)) {
        expects.push({ action: decision === 'approve' ? 'alert.approved' : 'alert.rejected', key: `${alert.alertId}|${keyId}` });
        if (answer.body.status === 'published') expects.push({ action: 'alert.published', key: alert.alertId });
        const expectedStatus = decision === 'reject' ? 'rejected' : alert.stage === 'new' ? 'pending_review' : 'published';
        const wrongAnswer =
          answer.body.status === expectedStatus ? undefined : `review of ${alert.alertId} left it ${answer.body.status}, not ${expectedStatus}`;
        options.record({ kind: `review.${decision}`, status: answer.status, allowed: [200], expects, wrongAnswer });
        if (expectedStatus === 'pending_review') {
          alert.stage = 'approved-once';
          approvedOnce.push(alert);
        } else {
          alert.stage = 'decided';
          pending.splice(pending.indexOf(alert), 1);
          (expectedStatus === 'published' ? published : rejected).push(alert.email);
        }
      } else {
        options.record({ kind: `review.${decision}`, status: answer.status, allowed: [200], expects });
      }
    },
    'duplicate-review': async () => {
      const alert = pick(approvedOnce);
      if (!alert) return operations.check();
      // Elm's reviewer already approved this one: a second decision is 409 and writes nothing.
      const answer = await call('POST', `/v1/alerts/${alert.alertId}/reviews`, keys.elmReviewer, { decision: 'approve', reason: 'Soak duplicate.' });
      options.record({ kind: 'review.duplicate (409 expected)', status: answer.status, allowed: [409], expects: [] });
    },
    check: async () => {
      const { subject, expected } = knownSubject();
      const answer = await call('POST', '/v1/checks', pick(desks)!, { subject });
      const expects: ExpectedEntry[] = ok(answer.status) ? [{ action: 'check.performed', key: answer.body.checkId }] : [];
      const wrongAnswer =
        ok(answer.status) && answer.body.result !== expected ? `check of ${subject.email}: ${answer.body.result}, not ${expected}` : undefined;
      options.record({ kind: 'check', status: answer.status, allowed: [200], expects, wrongAnswer });
    },
    batch: async () => {
      const bookings = Array.from({ length: 10 + Math.floor(Math.random() * 11) }, (_, i) => ({ ref: `b${i}`, ...knownSubject() }));
      const answer = await call('POST', '/v1/checks/batch', pick(desks)!, { bookings: bookings.map(({ ref, subject }) => ({ ref, subject })) });
      const results = ok(answer.status) ? (answer.body.results as { ref: string; checkId: string; result: string }[]) : [];
      const expects: ExpectedEntry[] = ok(answer.status) ? [{ action: 'check.performed', key: results.map((result) => result.checkId).join(',') }] : [];
      const wrong = results.find((result, i) => result.ref !== bookings[i]!.ref || result.result !== bookings[i]!.expected);
      options.record({
        kind: 'batch',
        status: answer.status,
        allowed: [200],
        expects,
        wrongAnswer: wrong ? `batch booking ${wrong.ref}: ${wrong.result}` : undefined,
      });
    },
    export: async () => {
      // The first page of today's export: a real export, audited when it starts.
      const today = isoDate(new Date());
      const answer = await call('GET', `/v1/audit/export?from=${today}&to=${today}&format=jsonl`, keys.auditor);
      const header = answer.headers?.get('x-audit-manifest');
      const manifest = header ? manifestFromHeader(header) : undefined;
      const exportId = manifest && 'manifest' in manifest ? manifest.manifest.exportId : '';
      options.record({
        kind: 'export',
        status: answer.status,
        allowed: [200],
        expects: ok(answer.status) ? [{ action: 'audit.exported', key: exportId }] : [],
      });
    },
    queue: async () => {
      const answer = await call('GET', '/v1/reviews/queue', keys.elmReviewer2);
      options.record({ kind: 'queue (read, not audited)', status: answer.status, allowed: [200], expects: [] });
    },
    'invalid-check': async () => {
      const answer = await call('POST', '/v1/checks', pick(desks)!, { subject: { phone: '12' }, extra: true });
      options.record({ kind: 'check.invalid (400 expected)', status: answer.status, allowed: [400], expects: [] });
    },
  };

  const nextKind = (): Kind => {
    let roll = Math.random() * 100;
    for (const [kind, weight] of mix) {
      roll -= weight;
      if (roll < 0) return kind;
    }
    return 'check';
  };

  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (Date.now() < deadline && sent < options.maxRequests) {
        sent += 1;
        await operations[nextKind()]();
      }
    }),
  );
  return sent;
}
