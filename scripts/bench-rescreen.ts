/**
 * `npm run bench:rescreen`: how long after the approval that publishes an alert every practice
 * with an affected registered booking is told, with 100,000 registered bookings; and whether the
 * publication's own latency (the approval's answer) changes against the same network with none.
 *
 * The local server and an in-memory DynamoDB Local, the same wiring as `npm start` (the re-screen
 * listens to the notifier as the rescreen function listens to the practices topic in AWS). The
 * bulk of registrations is seeded as the items a registration writes (tokens from the domain's
 * `lookupTokens`, items from the registry adapter's `registrationItems`), each publication's client
 * also being booked at three practices. Times come from the notifications' own `sentAt`
 * (milliseconds); the DynamoDB requests from each approval to its last notice are counted by
 * operation (the re-screen's lookup must be Queries, never a Scan). Seeding is bound by DynamoDB
 * Local's cost per item written (docs/rescreening.md). Prints a table and writes JSON to
 * bench/results/rescreen-<YYYY-MM-DD>-<HHMM>.json. Options: `--registrations <n>` (100000),
 * `--publications <n>` per phase (20), `--writers <n>` (8).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadavg } from 'node:os';
import { registrationItems } from '#shared/adapters/dynamo/booking-registry.ts';
import { isoDate, isoInstant, addDays } from '#shared/dates.ts';
import { registrationExpiry } from '#shared/domain/bookings.ts';
import { lookupTokens } from '#shared/identifiers/tokens.ts';
import type { Keyring } from '#shared/ports.ts';
import { alertBody, startBenchNetwork, type BenchNetwork } from './bench/environment.ts';
import { subject } from './bench/subjects.ts';
import { percentile } from './bench/stats.ts';

const log = (line: string) => process.stderr.write(`[bench:rescreen] ${line}\n`);

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} needs a whole number`);
  return value;
}

/** Subjects of the publications: far from the bulk's numbers, so only their own registrations match. */
const publicationSubjectBase = 5_000_000;
const practicesPerPublication = 3;

interface Phase {
  readonly registrations: number;
  /** The approval that publishes (HTTP, ms), one per publication. */
  readonly publishMs: number[];
  /** From sending that approval to the last practice's notice (ms), one per publication. */
  readonly allNotifiedMs: number[];
  /** DynamoDB requests by operation from sending that approval until the notices (or 100 ms) are in, summed over publications. */
  readonly requests: Record<string, number>;
}

async function main(): Promise<void> {
  const registrations = option('registrations', 100_000);
  const publications = option('publications', 20);
  const writers = option('writers', 8);
  log('starting DynamoDB Local and the local server');
  const network = await startBenchNetwork();
  try {
    // Warm-up (untimed): the server's first publications pay for JIT and connection set-up, which
    // would otherwise make the phase with no registrations look slow.
    await publishPhase(network, 0, 3, 0);
    const loadAtStart = loadavg()[0]!;
    const empty = await publishPhase(network, 0, publications, 0);
    log(`no registrations: publication p50 ${percentile(sorted(empty.publishMs), 50).toFixed(1)} ms`);
    const seeded = await seedRegistrations(network, registrations, writers);
    log(`seeded ${registrations} registrations (${seeded.items} items) in ${seeded.seconds.toFixed(1)} s`);
    const loadBeforeFull = loadavg()[0]!;
    const full = await publishPhase(network, registrations, publications, publications);
    const report = {
      at: isoInstant(new Date()),
      registrations,
      /** One-minute load average (2 cores) before each phase and at the end. */
      load: { start: loadAtStart, beforeFull: loadBeforeFull, end: loadavg()[0]! },
      seed: seeded,
      phases: [summary(empty), summary(full)],
      goals: {
        allNotifiedWithin2s: Math.max(...full.allNotifiedMs) <= 2000,
        publicationWithin20Percent: percentile(sorted(full.publishMs), 50) <= 1.2 * percentile(sorted(empty.publishMs), 50),
        lookupWithoutScan: !Object.keys(full.requests).some((name) => name.endsWith('.Scan')),
      },
    };
    console.log(render(report));
    const dir = join(process.cwd(), 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `rescreen-${new Date().toISOString().slice(0, 16).replace('T', '-').replace(':', '')}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nJSON written to ${file}`);
  } finally {
    await network.stop();
  }
}

const sorted = (values: readonly number[]) => [...values].sort((a, b) => a - b);

function summary(phase: Phase) {
  const publish = sorted(phase.publishMs);
  const notified = sorted(phase.allNotifiedMs);
  return {
    registrations: phase.registrations,
    publications: publish.length,
    publishMs: { p50: percentile(publish, 50), p95: percentile(publish, 95), max: publish.at(-1) },
    allNotifiedMs: notified.length ? { p50: percentile(notified, 50), p95: percentile(notified, 95), max: notified.at(-1) } : undefined,
    /** Per publication: the approval's own requests and the re-screen's (never a Scan). */
    dynamoRequestsPerPublication: Object.fromEntries(
      Object.entries(phase.requests)
        .filter(([name]) => name.startsWith('dynamo.'))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, count]) => [name.replace(/^dynamo\.(read|write|other)\./, ''), count / Math.max(1, publish.length)]),
    ),
  };
}

/**
 * Publications one after another: each alert about a client booked at three practices (when
 * `booked`), submitted, approved by a first reviewer, then timed: the second approval (which
 * publishes) and, from sending it, until the last of the three practices was told.
 */
async function publishPhase(network: BenchNetwork, registrations: number, count: number, firstSubject: number): Promise<Phase> {
  const publishMs: number[] = [];
  const allNotifiedMs: number[] = [];
  const requests: Record<string, number> = {};
  for (let i = 0; i < count; i += 1) {
    const n = publicationSubjectBase + firstSubject + i;
    const { fullName, dateOfBirth, phone } = subject(n);
    if (registrations > 0) await bookAtPractices(network, n);
    const submitted = await network.call('POST', '/v1/alerts', network.keys.harbourDesk, alertBody(network.clause, { fullName, dateOfBirth, phone }));
    if (submitted.status !== 201) throw new Error(`submission answered ${submitted.status}`);
    const alertId = submitted.body.alertId as string;
    const path = `/v1/alerts/${alertId}/reviews`;
    await network.call('POST', path, network.keys.elmReviewer, { decision: 'approve', reason: 'In order.' });
    const before = network.counter.snapshot();
    const sentAt = Date.now();
    const started = performance.now();
    const decided = await network.call('POST', path, network.keys.valleyReviewer, { decision: 'approve', reason: 'In order.' });
    publishMs.push(performance.now() - started);
    if (decided.body?.status !== 'published') throw new Error(`the second approval did not publish: ${JSON.stringify(decided.body)}`);
    if (registrations > 0) allNotifiedMs.push(await lastNotice(network, `pub-${n}-`, practicesPerPublication, sentAt));
    else await new Promise((done) => setTimeout(done, 100)); // let the (empty) re-screen finish before the next publication
    for (const [name, count] of Object.entries(network.counter.since(before))) requests[name] = (requests[name] ?? 0) + count;
  }
  return { registrations, publishMs, allNotifiedMs, requests };
}

/** Registers the publication's client at three practices, as the API does (screened, audited, counted). */
async function bookAtPractices(network: BenchNetwork, n: number): Promise<void> {
  const appointmentOn = isoDate(addDays(new Date(), 10));
  for (let p = 0; p < practicesPerPublication; p += 1) {
    const desk = await deskOf(network, p);
    const answer = await network.call('POST', '/v1/bookings', desk, { ref: `pub-${n}-${p}`, appointmentOn, subject: subject(n) });
    if (answer.status !== 201) throw new Error(`registration answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
}

const desks: string[] = [];
async function deskOf(network: BenchNetwork, p: number): Promise<string> {
  while (desks.length <= p) desks.push(await network.newDesk(`Booking Practice ${desks.length + 1}`));
  return desks[p]!;
}

/** Waits (at most 30 s) for `expected` re-screen notices with refs starting `prefix`; the last one's sentAt − `since`. */
async function lastNotice(network: BenchNetwork, prefix: string, expected: number, since: number): Promise<number> {
  const file = join(network.config.DATA_DIR, 'notifications.jsonl');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const notices = existsSync(file)
      ? readFileSync(file, 'utf8')
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line) as { type: string; ref?: string; sentAt: string })
          .filter((notice) => notice.type === 'booking.rescreen_matched' && notice.ref?.startsWith(prefix))
      : [];
    if (notices.length >= expected) return Math.max(...notices.map((notice) => Date.parse(notice.sentAt))) - since;
    if (Date.now() > deadline) throw new Error(`only ${notices.length} of ${expected} notices for ${prefix} after 30 s`);
    await new Promise((done) => setTimeout(done, 5));
  }
}

/**
 * The bulk: registrations of subjects 0 .. count − 1 spread over 50 practices, written as the
 * registry writes them (`registrationItems`: the registration item and one index item per
 * distinct token), in BatchWriteItem requests of 25 from `writers` concurrent writers.
 */
async function seedRegistrations(network: BenchNetwork, count: number, writers: number): Promise<Seeding> {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const table = network.config.MAIN_TABLE;
  const keyring: Keyring = network.deps.keyring;
  const appointmentOn = isoDate(addDays(new Date(), 30));
  const expiresAt = registrationExpiry(appointmentOn);
  let next = 0;
  let items = 0;
  let requests = 0;
  let tokenMs = 0;
  const itemsOf = async (n: number) => {
    const tokensStarted = performance.now();
    const tokens = await lookupTokens(keyring, subject(n), network.config.PHONE_DEFAULT_REGION);
    tokenMs += performance.now() - tokensStarted;
    const practiceId = `prc_benchbookings${String(n % 50).padStart(9, '0')}`;
    const made = registrationItems({
      practiceId,
      ref: `bulk-${n}`,
      appointmentOn,
      registeredAt: isoInstant(new Date()),
      checkId: `chk_bench${String(n).padStart(21, '0')}`,
      expiresAt,
      tokens,
    });
    return [...made.index, made.registration];
  };
  let lastLog = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      const pending: Record<string, unknown>[] = [];
      const flush = async (all: boolean) => {
        while (pending.length >= 25 || (all && pending.length > 0)) {
          const sent = await writeBatch(network.documents, table, pending.splice(0, 25));
          requests += sent;
        }
      };
      while (next < count) {
        const made = await itemsOf(next++);
        pending.push(...made);
        items += made.length;
        await flush(false);
        if (performance.now() - lastLog > 15_000) {
          lastLog = performance.now();
          const seconds = (lastLog - started) / 1000;
          log(`seeding: ${next} of ${count} registrations, ${(items / seconds).toFixed(0)} items/s (load ${loadavg()[0]!.toFixed(2)})`);
        }
      }
      await flush(true);
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = (performance.now() - started) / 1000;
  return {
    items,
    seconds,
    itemsPerRegistration: items / Math.max(1, count),
    itemsPerSecond: items / seconds,
    batchWriteRequests: requests,
    tokenSeconds: tokenMs / 1000,
    benchCpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

interface Seeding {
  readonly items: number;
  readonly seconds: number;
  readonly itemsPerRegistration: number;
  readonly itemsPerSecond: number;
  /** BatchWriteItem requests sent, retries of unprocessed items included. */
  readonly batchWriteRequests: number;
  /** Time spent computing the tokens (wall clock, summed over writers). */
  readonly tokenSeconds: number;
  /** CPU this process spent while seeding (tokens, marshalling, HTTP); the rest is DynamoDB Local's. */
  readonly benchCpuSeconds: number;
}

/**
 * Writes up to 25 items, retrying what DynamoDB left unprocessed, and the whole request when it
 * timed out (a loaded machine makes DynamoDB Local slow; the puts are idempotent); the number of
 * requests it took.
 */
async function writeBatch(documents: DynamoDBDocumentClient, table: string, items: Record<string, unknown>[]): Promise<number> {
  let batch = items.map((Item) => ({ PutRequest: { Item } }));
  let attempt = 0;
  let timeouts = 0;
  for (; batch.length > 0; attempt += 1) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 10 * 2 ** attempt)));
    try {
      const result = await documents.send(new BatchWriteCommand({ RequestItems: { [table]: batch } }));
      batch = (result.UnprocessedItems?.[table] ?? []) as typeof batch;
    } catch (error) {
      if ((error as Error).name !== 'TimeoutError' || ++timeouts > 10) throw error;
    }
  }
  return attempt;
}

function render(report: {
  registrations: number;
  load: { start: number; beforeFull: number; end: number };
  seed: Seeding;
  phases: ReturnType<typeof summary>[];
  goals: Record<string, boolean>;
}): string {
  const ms = (value: number | undefined) => (value === undefined ? '—' : `${value.toFixed(0)} ms`);
  const lines = [
    '',
    'Re-screening: publication → every affected practice told',
    `  registered bookings seeded: ${report.registrations} (${report.seed.items} items, ${report.seed.itemsPerRegistration.toFixed(1)} a registration, in ${report.seed.seconds.toFixed(1)} s: ${report.seed.itemsPerSecond.toFixed(0)} items/s)`,
    `  seeding CPU in this process: ${report.seed.benchCpuSeconds.toFixed(1)} s (tokens ${report.seed.tokenSeconds.toFixed(1)} s); ${report.seed.batchWriteRequests} BatchWriteItem requests`,
    `  load average (1 min, 2 cores): ${report.load.start.toFixed(2)} at the start, ${report.load.beforeFull.toFixed(2)} before the last phase, ${report.load.end.toFixed(2)} at the end`,
    '',
    '  registrations | publications | approval that publishes p50 / p95 / max | approval → last notice p50 / p95 / max',
    ...report.phases.map(
      (phase) =>
        `  ${String(phase.registrations).padStart(13)} | ${String(phase.publications).padStart(12)} | ${`${ms(phase.publishMs.p50)} / ${ms(phase.publishMs.p95)} / ${ms(phase.publishMs.max)}`.padEnd(38)} | ${phase.allNotifiedMs ? `${ms(phase.allNotifiedMs.p50)} / ${ms(phase.allNotifiedMs.p95)} / ${ms(phase.allNotifiedMs.max)}` : '— (nothing registered)'}`,
    ),
    '',
    '  DynamoDB requests a publication (the approval and its re-screen):',
    ...report.phases.map(
      (phase) =>
        `  ${String(phase.registrations).padStart(13)} registrations: ${Object.entries(phase.dynamoRequestsPerPublication)
          .map(([name, count]) => `${name} ${count.toFixed(1)}`)
          .join(', ')}`,
    ),
    '',
    `  goal: every notice within 2 s of the approval: ${report.goals.allNotifiedWithin2s ? 'met' : 'NOT met'}`,
    `  goal: publication p50 within 20 % of the one with no registrations: ${report.goals.publicationWithin20Percent ? 'met' : 'NOT met'}`,
    `  the re-screen's lookup is Queries by token, no Scan: ${report.goals.lookupWithoutScan ? 'yes' : 'NO (a Scan was sent)'}`,
  ];
  return lines.join('\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:rescreen failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
