/**
 * "Audit under realistic storage latency": how the audit log's appends scale with independent
 * writers when every DynamoDB call takes as long as it does in AWS, not the sub-millisecond of a
 * DynamoDB Local on the same machine.
 *
 * - Every writer is what one Lambda container is: its own DynamoDBClient and document client,
 *   its own audit log adapter and screening ledger, one request at a time, screening as its own
 *   practice (so the per-practice quota counter is not what is measured).
 * - One "check" is what POST /v1/checks writes: the practice's quota counter, the network's
 *   check counter and the check's audit entry (4 token digests); far from its quota (as here) in
 *   ONE transaction (ScreeningLedger.reserve, then settle), retried by the adapter when another
 *   writer took the chain's head.
 * - A fixed delay (`--latency`, default 8 ms) is added to EVERY DynamoDB call by a middleware at
 *   the SDK client's initialize step: once per call (Query, Get, Put, TransactWriteItems), before
 *   it is sent. 8 ms is a typical in-region round trip for a transaction in AWS; the middleware
 *   is the only thing that differs from production code.
 * - The share of the partition key: a second middleware counts, for each audit item a successful
 *   call wrote, the item's partition key (`chain`); the report gives the largest key's share of
 *   all audit writes of the phase.
 * - Contention or CPU? The same middleware counts every call by command, and every refusal by
 *   cause: an audit Put whose `seq` another writer took (a lost race for a chain head), a
 *   transaction conflict (on an audit item or on a counter), another condition, other errors
 *   (SDK time-outs), and the SDK's own retries. CPU: this process's (the writers and their SDK
 *   clients) and DynamoDB Local's (its JVM, from /proc/<pid>/stat) CPU seconds per check, and
 *   how many of the machine's cores were busy over the level (/proc/stat, everyone's work).
 * - `chains`: AUDIT_CHAINS of every writer's adapter; `--chains 1` is the layout of before (one
 *   chain, one head every writer races for), with nothing else changed.
 */
import { readFileSync } from 'node:fs';
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
  /** What the writers' calls met (see CallCounts). */
  readonly calls: CallCounts;
  /** CPU seconds over the level: this process (writers and SDK clients) and DynamoDB Local's JVM; null where unknown. */
  readonly cpu: { readonly writersSeconds: number; readonly dynamoSeconds: number | null; readonly machineBusyCores: number | null; readonly cores: number };
}

/** Every DynamoDB call of a level, by command, and every refusal, by cause. */
export interface CallCounts {
  readonly byCommand: Record<string, number>;
  /** An audit Put's condition failed: another writer took that seq first (a lost race for the head). */
  auditRaces: number;
  /** A transaction conflict on an audit item (two transactions on one item at once). */
  auditConflicts: number;
  /** A transaction conflict on a counter item (the quota or the network's check counter). */
  counterConflicts: number;
  /** A condition on another item failed (a quota). */
  otherConditions: number;
  /** Calls that failed otherwise (time-outs, throttling), by error name. */
  readonly errors: Record<string, number>;
  /** Attempts the SDK itself repeated (its retry strategy), beyond the first of each call. */
  sdkRetries: number;
  /** Every failed attempt (retried by the SDK or not), by error name. */
  readonly attemptErrors: Record<string, number>;
}

export interface AuditScaleReport {
  readonly latencyMs: number;
  readonly seconds: number;
  readonly levels: AuditScaleLevel[];
  /** The machine's 1-minute load average at the start and end (2 cores, shared). */
  readonly load: { readonly before: number; readonly after: number };
  /** AUDIT_CHAINS of every writer (1: the one-chain layout of before). */
  readonly chains: number;
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

/** An item as the middleware sees it: plain values (before the document client marshals them) or attribute values. */
type Item = Record<string, string | { S?: string }>;
const partitionKey = (item: Item): string => {
  const value = item[attr.chain];
  return (typeof value === 'string' ? value : value?.S) ?? '?';
};
interface CallInput {
  TableName?: string;
  Item?: Item;
  TransactItems?: { Put?: { TableName?: string; Item?: Item }; Update?: { TableName?: string } }[];
}
type Refusal = { name?: string; CancellationReasons?: { Code?: string }[]; $metadata?: { attempts?: number } };

const newCallCounts = (): CallCounts => ({
  byCommand: {},
  auditRaces: 0,
  auditConflicts: 0,
  counterConflicts: 0,
  otherConditions: 0,
  errors: {},
  sdkRetries: 0,
  attemptErrors: {},
});

/**
 * Counts, per partition key, the audit items each successful call wrote; and every call and
 * refusal into `calls` (a cancelled transaction's reasons are matched to its items, so a lost race
 * on an audit item is told apart from a conflict on a counter).
 */
function countCalls(client: DynamoDBClient, auditTable: string, keys: Map<string, number>, calls: CallCounts): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName?.replace(/Command$/, '') ?? '?';
      calls.byCommand[command] = (calls.byCommand[command] ?? 0) + 1;
      const input = args.input as CallInput;
      const transactItems = input.TransactItems ?? [];
      const isAudit = (i: number) => (transactItems[i]?.Put ?? transactItems[i]?.Update)?.TableName === auditTable;
      try {
        const result = await next(args);
        calls.sdkRetries += Math.max(0, ((result.output as Refusal).$metadata?.attempts ?? 1) - 1);
        const items = [
          ...(input.TableName === auditTable && input.Item ? [input.Item] : []),
          ...transactItems.filter((item) => item.Put?.TableName === auditTable).map((item) => item.Put!.Item!),
        ];
        for (const item of items) {
          const key = partitionKey(item);
          keys.set(key, (keys.get(key) ?? 0) + 1);
        }
        return result;
      } catch (error) {
        const refusal = error as Refusal;
        calls.sdkRetries += Math.max(0, (refusal.$metadata?.attempts ?? 1) - 1);
        if (refusal.name === 'ConditionalCheckFailedException') {
          if (input.TableName === auditTable) calls.auditRaces += 1;
          else calls.otherConditions += 1;
        } else if (refusal.name === 'TransactionCanceledException') {
          (refusal.CancellationReasons ?? []).forEach((reason, i) => {
            if (reason.Code === 'ConditionalCheckFailed') {
              if (isAudit(i)) calls.auditRaces += 1;
              else calls.otherConditions += 1;
            } else if (reason.Code === 'TransactionConflict') {
              if (isAudit(i)) calls.auditConflicts += 1;
              else calls.counterConflicts += 1;
            }
          });
        } else {
          const name = refusal.name ?? 'Error';
          calls.errors[name] = (calls.errors[name] ?? 0) + 1;
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'benchCallCounts' },
  );
  // Inside the SDK's retry loop: every failed attempt, by error name (what the SDK retried, and why).
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const name = `${(error as Refusal).name ?? 'Error'}`;
        calls.attemptErrors[name] = (calls.attemptErrors[name] ?? 0) + 1;
        throw error;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'benchAttemptErrors' },
  );
}

/** CPU seconds a process has used (user + system), from /proc/<pid>/stat; undefined where there is none. */
function processCpuSeconds(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat; after "pid (comm) " they are the 12th and 13th.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** The machine's busy and total CPU time (in clock ticks, every core), from /proc/stat. */
function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = cpu.reduce((a, b) => a + b, 0);
    const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
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
  /** AUDIT_CHAINS of every writer (config.AUDIT_CHAINS; 1 for the one-chain layout of before). */
  chains: number;
  /** DynamoDB Local's process id, to measure its CPU. */
  dynamoPid?: number | undefined;
  log?: (line: string) => void;
}): Promise<AuditScaleReport> {
  const { cpus, loadavg } = await import('node:os');
  const before = loadavg()[0]!;
  const levels: AuditScaleLevel[] = [];
  // A short unmeasured round first: DynamoDB Local's JVM and the SDK's connections warm up.
  const warmup = options.warmupSeconds ?? 3;
  for (const [writers, seconds, measured] of [[4, warmup, false] as const, ...options.writers.map((w) => [w, options.seconds, true] as const)]) {
    if (seconds <= 0) continue;
    options.log?.(`audit under ${options.latencyMs} ms storage latency: ${writers} writer(s) for ${seconds} s${measured ? '' : ' (warm-up)'}`);
    const keys = new Map<string, number>();
    const calls = newCallCounts();
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
      countCalls(client, options.auditTable, keys, calls);
      clients.push(client);
      const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
      const audit = buildAuditLog(documents, options.auditTable, { chains: options.chains });
      const ledger = buildScreeningLedger(documents, options.mainTable, audit);
      return { practiceId: `prc_bench_w${writers}_${w}`, ledger };
    });
    const limits = { perMinute: 1_000_000, perDay: 100_000_000 };
    const policy = { quota: limits, guesses: { perDay: 100_000_000, slowed: limits } };
    const cpuBefore = { writers: process.cpuUsage(), dynamo: options.dynamoPid ? processCpuSeconds(options.dynamoPid) : undefined, machine: machineTicks() };
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
            const settled = await ledger.settle(outcome.reservation, { guesses: 0, matches: 0 }, policy, { events: [checkEvent(practiceId, n)], now });
            if (settled.refused) throw new Error('refused by the quota at settlement');
            latencies.push(performance.now() - t0);
          } catch {
            failed += 1;
          }
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const writersCpu = process.cpuUsage(cpuBefore.writers);
    const dynamoAfter = options.dynamoPid ? processCpuSeconds(options.dynamoPid) : undefined;
    const machineAfter = machineTicks();
    const cores = cpus().length;
    const cpu = {
      writersSeconds: (writersCpu.user + writersCpu.system) / 1e6,
      dynamoSeconds: cpuBefore.dynamo !== undefined && dynamoAfter !== undefined ? dynamoAfter - cpuBefore.dynamo : null,
      machineBusyCores:
        cpuBefore.machine && machineAfter && machineAfter.total > cpuBefore.machine.total
          ? ((machineAfter.busy - cpuBefore.machine.busy) / (machineAfter.total - cpuBefore.machine.total)) * cores
          : null,
      cores,
    };
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
        calls,
        cpu,
      });
  }
  return { latencyMs: options.latencyMs, seconds: options.seconds, levels, load: { before, after: loadavg()[0]! }, chains: options.chains };
}

const perCheck = (value: number, level: AuditScaleLevel) => (level.count > 0 ? value / level.count : Number.NaN);
const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** The section as tables, with the goals (at the most writers: ≥ 10× one writer's throughput, p99 ≤ 2× one writer's, no key > 5 %). */
export function renderAuditScale(report: AuditScaleReport): string {
  const one = report.levels.find((level) => level.writers === 1);
  const most = report.levels.at(-1);
  const rows = report.levels.map(
    (l) =>
      `| ${l.writers} | ${l.perSecond.toFixed(1)} | ${l.p50.toFixed(1)} | ${l.p99.toFixed(1)} | ${l.failed} | ${l.keys} | ${(l.largestKeyShare * 100).toFixed(1)} % |`,
  );
  const causes = report.levels.map((l) => {
    const c = l.calls;
    const named = (counts: Record<string, number>) =>
      Object.entries(counts)
        .map(([name, n]) => `${name} ${n}`)
        .join(', ') || '0';
    return `| ${l.writers} | ${l.count} | ${(sum(c.byCommand) / Math.max(1, l.count)).toFixed(2)} | ${c.auditRaces} (${perCheck(c.auditRaces, l).toFixed(3)}) | ${c.auditConflicts} | ${c.counterConflicts} | ${c.otherConditions} | ${c.sdkRetries} | ${named(c.attemptErrors)} | ${named(c.errors)} |`;
  });
  const cpu = report.levels.map((l) => {
    const { writersSeconds, dynamoSeconds, machineBusyCores, cores } = l.cpu;
    const ms = (seconds: number | null) => (seconds === null ? '?' : (perCheck(seconds, l) * 1000).toFixed(1));
    const total = dynamoSeconds === null ? null : writersSeconds + dynamoSeconds;
    return `| ${l.writers} | ${ms(writersSeconds)} | ${ms(dynamoSeconds)} | ${ms(total)} | ${total === null ? '?' : (total / (l.count / l.perSecond)).toFixed(2)} | ${machineBusyCores === null ? '?' : `${machineBusyCores.toFixed(2)} of ${cores}`} |`;
  });
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
    `## Audit under realistic storage latency (${report.latencyMs} ms added to every DynamoDB call; ${report.chains} chain${report.chains === 1 ? '' : 's'}; ${report.seconds} s per level; load average ${report.load.before.toFixed(2)} → ${report.load.after.toFixed(2)} on 2 shared cores)`,
    '',
    '| writers | checks/s | p50 ms | p99 ms | failed | partition keys | largest key share |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    'Contention: DynamoDB calls per check; audit Puts refused because another writer took the seq (lost races for a head; per check); transaction conflicts on audit items and on counters; other conditions; attempts the SDK repeated, and every failed attempt by error; calls that failed in the end.',
    '',
    '| writers | checks | calls/check | lost races (per check) | audit conflicts | counter conflicts | other conditions | SDK retries | failed attempts | failed calls |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...causes,
    '',
    "CPU: milliseconds of CPU per check in the writers' process (SDK clients, adapters) and in DynamoDB Local's JVM; cores those two kept busy; cores the whole machine was busy (everyone's work).",
    '',
    '| writers | writers ms/check | DynamoDB Local ms/check | total ms/check | cores used by the bench | machine busy |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...cpu,
    '',
    ...goals,
  ].join('\n');
}
