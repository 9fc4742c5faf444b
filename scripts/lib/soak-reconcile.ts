/**
 * The soak's verdicts, as pure functions of what it recorded: every answered (2xx) request has
 * exactly one audit entry and every entry one answered request; nothing 5xx'd; each kind got only
 * the statuses it expects; the server's memory did not keep growing.
 */
import type { AuditAction, AuditEntry } from '#shared/records.ts';

/** One audit entry a 2xx answer promises, found again in the log by `key`. */
export interface ExpectedEntry {
  readonly action: AuditAction;
  readonly key: string;
}

export interface RecordedRequest {
  readonly kind: string;
  /** 0 when no HTTP answer came (network error, timeout). */
  readonly status: number;
  /** Statuses this kind may answer without it being a failure (e.g. 409 for a duplicate review). */
  readonly allowed: readonly number[];
  /** Filled from a 2xx answer: the entries it must have written. */
  readonly expects: readonly ExpectedEntry[];
  /** A 2xx answer that said the wrong thing (e.g. no_match for a published client). */
  readonly wrongAnswer?: string | undefined;
}

/** How an entry is found again from the request that caused it. */
export function entryKey(entry: Pick<AuditEntry, 'action' | 'targets' | 'actor' | 'bookings' | 'seq'>): string {
  const target = (name: string) => String(entry.targets[name] ?? '');
  switch (entry.action) {
    case 'practice.created':
      return target('practiceId');
    case 'key.created':
    case 'key.revoked':
      return target('keyId');
    case 'clause.published':
      return `${target('clauseId')}#${target('clauseVersion')}`;
    case 'alert.approved':
    case 'alert.rejected':
      return `${target('alertId')}|${entry.actor.keyId}`;
    case 'check.performed':
      return (entry.bookings ?? []).map((booking) => booking.checkId).join(',');
    case 'audit.exported':
      return target('exportId');
    default:
      return target('alertId') || `seq ${entry.seq}`;
  }
}

export interface KindCount {
  readonly requests: number;
  readonly byStatus: Record<string, number>;
}

export interface AuditReconciliation {
  /** Requests and answers per kind. */
  readonly kinds: Record<string, KindCount>;
  /** Entries promised by 2xx answers, per action, and entries found, per action. */
  readonly expectedByAction: Record<string, number>;
  readonly foundByAction: Record<string, number>;
  /** Entries written by the network itself (the first admin key), not by a request. */
  readonly systemEntries: number;
  /** `action key` of promised entries not in the log (first few). */
  readonly missing: string[];
  readonly missingCount: number;
  /** `action key` of entries no answered request accounts for, or found twice (first few). */
  readonly unexplained: string[];
  readonly unexplainedCount: number;
  readonly serverErrors: number;
  readonly networkErrors: number;
  /** Answers with a status their kind does not allow (4xx where 2xx was due, …). */
  readonly unexpectedStatuses: number;
  readonly wrongAnswers: string[];
}

const bump = (counts: Record<string, number>, key: string, by = 1) => (counts[key] = (counts[key] ?? 0) + by);

export function reconcileAudit(requests: readonly RecordedRequest[], entries: readonly AuditEntry[]): AuditReconciliation {
  const kinds: Record<string, { requests: number; byStatus: Record<string, number> }> = {};
  const expected = new Map<string, number>();
  const expectedByAction: Record<string, number> = {};
  let serverErrors = 0;
  let networkErrors = 0;
  let unexpectedStatuses = 0;
  const wrongAnswers: string[] = [];
  for (const request of requests) {
    const kind = (kinds[request.kind] ??= { requests: 0, byStatus: {} });
    kind.requests += 1;
    bump(kind.byStatus, String(request.status));
    if (request.status >= 500) serverErrors += 1;
    if (request.status === 0) networkErrors += 1;
    if (!request.allowed.includes(request.status)) unexpectedStatuses += 1;
    if (request.wrongAnswer) wrongAnswers.push(request.wrongAnswer);
    if (request.status < 200 || request.status > 299) continue;
    for (const { action, key } of request.expects) {
      bump(expectedByAction, action);
      const id = `${action} ${key}`;
      expected.set(id, (expected.get(id) ?? 0) + 1);
    }
  }

  const foundByAction: Record<string, number> = {};
  const unexplained: string[] = [];
  let unexplainedCount = 0;
  let systemEntries = 0;
  for (const entry of entries) {
    bump(foundByAction, entry.action);
    if (entry.actor.role === 'system') {
      systemEntries += 1;
      continue;
    }
    const id = `${entry.action} ${entryKey(entry)}`;
    const left = expected.get(id) ?? 0;
    if (left > 0) {
      expected.set(id, left - 1);
    } else {
      unexplainedCount += 1;
      if (unexplained.length < 10) unexplained.push(`seq ${entry.seq}: ${id}`);
    }
  }
  const missingIds = [...expected.entries()].filter(([, left]) => left > 0);
  const missingCount = missingIds.reduce((sum, [, left]) => sum + left, 0);
  return {
    kinds,
    expectedByAction,
    foundByAction,
    systemEntries,
    missing: missingIds.slice(0, 10).map(([id]) => id),
    missingCount,
    unexplained,
    unexplainedCount,
    serverErrors,
    networkErrors,
    unexpectedStatuses,
    wrongAnswers: wrongAnswers.slice(0, 10),
  };
}

export interface MemorySample {
  /** Milliseconds since the load started. */
  readonly t: number;
  readonly rss: number;
  readonly heapUsed: number;
}

export interface MemoryVerdict {
  readonly ok: boolean;
  readonly samples: number;
  /** Medians (bytes) of the first and last third of the samples taken after warm-up. */
  readonly early: { rss: number; heapUsed: number } | undefined;
  readonly late: { rss: number; heapUsed: number } | undefined;
  readonly reason: string;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

/**
 * Growth without bound shows as the late samples sitting well above the early ones: the first
 * fifth is warm-up (JIT, caches, connection pools) and is skipped; of the rest, the median of the
 * last third may exceed the median of the first third by at most `factor` plus `slackBytes`
 * (garbage collection makes single samples noisy, so medians and a generous bound).
 */
export function memoryVerdict(
  samples: readonly MemorySample[],
  bounds = { factor: 1.5, rssSlackBytes: 64 * 1_048_576, heapSlackBytes: 32 * 1_048_576 },
): MemoryVerdict {
  const settled = samples.slice(Math.floor(samples.length / 5));
  if (settled.length < 6)
    return { ok: false, samples: samples.length, early: undefined, late: undefined, reason: `only ${samples.length} memory samples; run longer` };
  const third = Math.floor(settled.length / 3);
  const summary = (part: readonly MemorySample[]) => ({ rss: median(part.map((s) => s.rss)), heapUsed: median(part.map((s) => s.heapUsed)) });
  const early = summary(settled.slice(0, third));
  const late = summary(settled.slice(-third));
  const rssLimit = early.rss * bounds.factor + bounds.rssSlackBytes;
  const heapLimit = early.heapUsed * bounds.factor + bounds.heapSlackBytes;
  const problems = [
    ...(late.rss > rssLimit ? [`RSS grew from ${mb(early.rss)} to ${mb(late.rss)} (limit ${mb(rssLimit)})`] : []),
    ...(late.heapUsed > heapLimit ? [`heap grew from ${mb(early.heapUsed)} to ${mb(late.heapUsed)} (limit ${mb(heapLimit)})`] : []),
  ];
  return {
    ok: problems.length === 0,
    samples: samples.length,
    early,
    late,
    reason: problems.length === 0 ? `late RSS ${mb(late.rss)} ≤ ${mb(rssLimit)}, late heap ${mb(late.heapUsed)} ≤ ${mb(heapLimit)}` : problems.join('; '),
  };
}

/** The soak only ever talks to this machine. */
export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  const loopback = host === 'localhost' || host === '[::1]' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
  if (!loopback) throw new Error(`the soak targets only this machine (localhost, 127.0.0.0/8, ::1), not ${host}`);
}
