/**
 * "Audit under realistic storage latency": how the audit log's appends scale with independent
 * writers when every DynamoDB call takes as long as it does in AWS, not the sub-millisecond of a
 * DynamoDB Local on the same machine.
 *
 * - Every writer is what one Lambda container is: its own DynamoDBClient and document client,
 *   its own audit log adapter and screening ledger, one request at a time, screening as its own
 *   practice (so the per-practice quota counter is not what is measured).
 * - One "check" is what POST /v1/checks writes: the practice's quota counter, the network's
 *   check counter and the check's audit entry (4 token digests) in ONE transaction
 *   (ScreeningLedger.record), retried by the adapter when another writer took the chain's head.
 * - A fixed delay (`--latency`, default 8 ms) is added to EVERY DynamoDB call by a middleware at
 *   the SDK client's initialize step: once per call (Query, Get, Put, TransactWriteItems), before
 *   it is sent. 8 ms is a typical in-region round trip for a transaction in AWS; the middleware
 *   is the only thing that differs from production code.
 * - The share of the partition key: a second middleware counts, for each audit item a successful
 *   call wrote, the item's partition key (`chain`); the report gives the largest key's share of
 *   all audit writes of the phase.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildAuditLog } from '#shared/adapters/dynamo/audit-log.ts';
import { buildScreeningLedger } from '#shared/adapters/dynamo/screening-ledger.ts';
import { attr } from '#shared/adapters/dynamo/tables.ts';
import { boundedSdkClientOptions } from '#shared/adapters/sdk-client-options.ts';
import type { AuditEvent } from '#shared/records.ts';
import { summarise, type LatencySummary } from './stats.ts';

export interface AuditScaleLevel extends LatencySummary {
  readonly writers: number;
  /** Checks that gave up (503 after the adapter's retries) or failed otherwise. */
  readonly failed: number;
  /** Audit items written in the phase, and the largest number under one partition key. */
  readonly auditWrites: number;
  readonly keys: number;
  readonly largestKeyShare: number;
}

export interface AuditScaleReport {
  readonly latencyMs: number;
  readonly seconds: number;
  readonly levels: AuditScaleLevel[];
  /** The machine's 1-minute load average at the start and end (2 cores, shared). */
  readonly load: { readonly before: number; readonly after: number };
}

/** Adds `ms` to every call the client sends. */
export function addFixedLatency(client: DynamoDBClient, ms: number): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return next(args);
    },
    { step: 'initialize', name: 'benchFixedLatency' },
  );
}

/** Counts, per partition key, the audit items each successful call wrote. */
function countAuditKeys(client: DynamoDBClient, auditTable: string, keys: Map<string, number>): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const input = args.input as {
        TableName?: string;
        Item?: Record<string, { S?: string }>;
        TransactItems?: { Put?: { TableName?: string; Item?: Record<string, { S?: string }> } }[];
      };
      const items = [
        ...(input.TableName === auditTable && input.Item ? [input.Item] : []),
        ...(input.TransactItems ?? []).filter((item) => item.Put?.TableName === auditTable).map((item) => item.Put!.Item!),
      ];
      for (const item of items) {
        const key = item[attr.chain]?.S ?? '?';
        keys.set(key, (keys.get(key) ?? 0) + 1);
      }
      return result;
    },
    { step: 'finalizeRequest', name: 'benchAuditKeys' },
  );
}

const checkEvent = (practiceId: string, n: number): AuditEvent => ({
  action: 'check.performed',
  actor: { keyId: `key_bench_${practiceId}`, role: 'practice', practiceId },
  targets: { checkId: `chk_${practiceId}_${n}` },
  outcome: 'no_match',
  bookings: [
    {
      checkId: `chk_${practiceId}_${n}`,
      tokenKinds: ['phone', 'email', 'name_dob', 'name'],
      tokenDigests: Array.from({ length: 4 }, (_, i) => `${i}`.repeat(64)),
      result: 'no_match',
    },
  ],
});

export async function measureAuditScale(options: {
  endpoint: string;
  auditTable: string;
  mainTable: string;
  writers: readonly number[];
  seconds: number;
  latencyMs: number;
  warmupSeconds?: number;
  log?: (line: string) => void;
}): Promise<AuditScaleReport> {
  const { loadavg } = await import('node:os');
  const before = loadavg()[0]!;
  const levels: AuditScaleLevel[] = [];
  // A short unmeasured round first: DynamoDB Local's JVM and the SDK's connections warm up.
  const warmup = options.warmupSeconds ?? 3;
  for (const [writers, seconds, measured] of [[4, warmup, false] as const, ...options.writers.map((w) => [w, options.seconds, true] as const)]) {
    if (seconds <= 0) continue;
    options.log?.(`audit under ${options.latencyMs} ms storage latency: ${writers} writer(s) for ${seconds} s${measured ? '' : ' (warm-up)'}`);
    const keys = new Map<string, number>();
    const clients: DynamoDBClient[] = [];
    const latencies: number[] = [];
    let failed = 0;
    const workers = Array.from({ length: writers }, (_, w) => {
      const client = new DynamoDBClient({
        endpoint: options.endpoint,
        region: 'local',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        ...boundedSdkClientOptions,
      });
      addFixedLatency(client, options.latencyMs);
      countAuditKeys(client, options.auditTable, keys);
      clients.push(client);
      const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
      const audit = buildAuditLog(documents, options.auditTable);
      const ledger = buildScreeningLedger(documents, options.mainTable, audit);
      return { practiceId: `prc_bench_w${writers}_${w}`, ledger };
    });
    const limits = { perMinute: 1_000_000, perDay: 100_000_000 };
    const policy = { quota: limits, guesses: { perDay: 100_000_000, slowed: limits } };
    const started = performance.now();
    const deadline = started + seconds * 1000;
    await Promise.all(
      workers.map(async ({ practiceId, ledger }) => {
        for (let n = 0; performance.now() < deadline; n += 1) {
          const t0 = performance.now();
          try {
            // A check's storage path: the quota reserved, then the audit entry, guesses and counters in one transaction.
            const now = new Date();
            const outcome = await ledger.reserve(practiceId, 1, policy, now);
            if (!outcome.ok) throw new Error('refused by the quota');
            await ledger.settle(outcome.reservation, { guesses: 0, matches: 0 }, policy, { events: [checkEvent(practiceId, n)], now });
            latencies.push(performance.now() - t0);
          } catch {
            failed += 1;
          }
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    for (const client of clients) client.destroy();
    const auditWrites = [...keys.values()].reduce((a, b) => a + b, 0);
    const largest = Math.max(0, ...keys.values());
    if (measured)
      levels.push({
        ...summarise(latencies, elapsed),
        writers,
        failed,
        auditWrites,
        keys: keys.size,
        largestKeyShare: auditWrites > 0 ? largest / auditWrites : Number.NaN,
      });
  }
  return { latencyMs: options.latencyMs, seconds: options.seconds, levels, load: { before, after: loadavg()[0]! } };
}

/** The section as a table, with the goals (at the most writers: ≥ 10× one writer's throughput, p99 ≤ 2× one writer's, no key > 5 %). */
export function renderAuditScale(report: AuditScaleReport): string {
  const one = report.levels.find((level) => level.writers === 1);
  const most = report.levels.at(-1);
  const rows = report.levels.map(
    (l) =>
      `| ${l.writers} | ${l.perSecond.toFixed(1)} | ${l.p50.toFixed(1)} | ${l.p99.toFixed(1)} | ${l.failed} | ${l.keys} | ${(l.largestKeyShare * 100).toFixed(1)} % |`,
  );
  const goals: string[] = [];
  if (one && most && most !== one) {
    const speedup = most.perSecond / one.perSecond;
    const p99 = most.p99 / one.p99;
    goals.push(`- throughput at ${most.writers} writers = ${speedup.toFixed(1)}× one writer (goal ≥ 10×): ${speedup >= 10 ? 'met' : 'NOT met'}`);
    goals.push(`- check p99 at ${most.writers} writers = ${p99.toFixed(2)}× one writer's (goal ≤ 2×): ${p99 <= 2 ? 'met' : 'NOT met'}`);
    goals.push(
      `- largest partition key share at ${most.writers} writers = ${(most.largestKeyShare * 100).toFixed(1)} % (goal ≤ 5 %): ${most.largestKeyShare <= 0.05 ? 'met' : 'NOT met'}`,
    );
  }
  return [
    `## Audit under realistic storage latency (${report.latencyMs} ms added to every DynamoDB call; ${report.seconds} s per level; load average ${report.load.before.toFixed(2)} → ${report.load.after.toFixed(2)} on 2 shared cores)`,
    '',
    '| writers | checks/s | p50 ms | p99 ms | failed | partition keys | largest key share |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    ...goals,
  ].join('\n');
}
