/**
 * `npm run bench`: how fast a check is, how far that is from the least it could cost, and how
 * that changes as the network grows — in one bounded run against the local server and an
 * in-memory DynamoDB Local. Prints a table with the goals of issue 7 (met / not met) and writes
 * the same figures as JSON to bench/results/<YYYY-MM-DD>-<HHMM>.json. `--help` lists the options.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { auditItem } from '#shared/adapters/dynamo/audit-log.ts';
import { keyedMacCount, lookupTokens } from '#shared/identifiers/tokens.ts';
import { subjectMessages } from '#shared/identifiers/recipes.ts';
import type { AuditEntry } from '#shared/records.ts';
import { fileURLToPath } from 'node:url';
import { alertBody, startBenchNetwork, type BenchNetwork } from './bench/environment.ts';
import { measureFloor } from './bench/floor.ts';
import { measureAuditAppends, seedPublishedAlerts } from './bench/growth.ts';
import { runLoad } from './bench/load.ts';
import { measureColdStarts } from './bench/cold-start.ts';
import { parseOptions, type BenchOptions } from './bench/options.ts';
import { screeningPool, subject, type BenchSubject } from './bench/subjects.ts';
import { perUnit } from './bench/counting.ts';
import { bundleGoal, costGoal, floorGoal, growthGoal } from './bench/goals.ts';
import { renderReport, type BenchReport } from './bench/report.ts';
import { measureAuditScale, renderAuditScale } from './bench/audit-scale.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = performance.now();
  log(`starting DynamoDB Local and the local server (phases of ${options.seconds} s)`);
  const network = await startBenchNetwork();
  try {
    const report = await run(network, options);
    report.totalSeconds = (performance.now() - started) / 1000;
    console.log(renderReport(report));
    if (report.auditScale) console.log(`\n${renderAuditScale(report.auditScale)}`);
    mkdirSync(options.outDir, { recursive: true });
    const stamp = new Date().toISOString().slice(0, 16).replace('T', '-').replace(':', '');
    const file = join(options.outDir, `${stamp}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nJSON written to ${file}`);
  } finally {
    await network.stop();
  }
}

async function run(network: BenchNetwork, options: BenchOptions): Promise<BenchReport> {
  const { config, deps, counter } = network;
  const region = config.PHONE_DEFAULT_REGION;
  const counted = async <T>(run: () => Promise<T>): Promise<{ result: T; requests: Record<string, number> }> => {
    const before = counter.snapshot();
    const result = await run();
    return { result, requests: counter.since(before) };
  };

  // Published alerts for checks to find: the first growth size, seeded through the domain builders.
  let seeded = 0;
  const seedTo = async (alerts: number) => {
    const done = await seedPublishedAlerts({
      documents: network.documents,
      tokenTable: config.TOKEN_TABLE,
      keyring: deps.keyring,
      phoneRegion: region,
      practiceId: network.harbour,
      from: seeded,
      to: alerts,
    });
    seeded = alerts;
    log(`seeded ${done.alerts} published alerts (${done.items} token index items) in ${done.seconds.toFixed(1)} s; ${seeded} in all`);
    return done;
  };
  await seedTo(options.alerts[0]!);
  const known = Array.from({ length: Math.min(seeded, 5000) }, (_, i) => Math.floor((i * seeded) / Math.min(seeded, 5000)));
  const pool = screeningPool({ size: 2000, matchRatio: options.matchRatio, known, unknownFrom: 9_000_000 });
  let turn = 0;
  const nextCheck = () => ({ path: '/v1/checks', body: { subject: pool[turn++ % pool.length]! } });
  let matches = 0;
  const countMatch = (_status: number, body: string) => {
    if (body.includes('"result":"match"')) matches += 1;
  };

  // One real check, so the floor writes an audit item of a real check's size.
  const warmDesk = await network.newDesk('Warm-up Practice');
  const first = await network.call('POST', '/v1/checks', warmDesk, { subject: pool[0] });
  if (first.status !== 200) throw new Error(`a check answered ${first.status}: ${JSON.stringify(first.body)}`);
  const head = (await deps.audit.head()) as AuditEntry;
  const tokenSets = await Promise.all(pool.slice(0, 200).map(async (s) => (await lookupTokens(deps.keyring, s, region)).map(({ token }) => token)));

  const levels: BenchReport['checks'] = [];
  for (const concurrency of options.concurrency) {
    log(`floor at concurrency ${concurrency}`);
    const floorOptions = {
      documents: network.documents,
      tokenTable: config.TOKEN_TABLE,
      auditTable: config.AUDIT_TABLE,
      tokenSets,
      auditItem: auditItem(head),
      concurrency,
      seconds: options.seconds,
      warmupSeconds: options.warmupSeconds,
    };
    const floor = await counted(() => measureFloor(floorOptions));
    log(`references at concurrency ${concurrency}: the floor with the quota counter, and HTTP alone`);
    const withCounter = await measureFloor({ ...floorOptions, counterTable: config.MAIN_TABLE });
    const http = await runLoad({
      baseUrl: network.baseUrl,
      apiKey: warmDesk,
      method: 'GET',
      next: () => ({ path: '/v1/health' }),
      connections: concurrency,
      seconds: options.seconds,
      warmupSeconds: options.warmupSeconds,
    });
    log(`single checks at concurrency ${concurrency}`);
    const desk = await network.newDesk(`Desk c${concurrency}`);
    matches = 0;
    const checks = await counted(() =>
      runLoad({
        baseUrl: network.baseUrl,
        apiKey: desk,
        method: 'POST',
        next: nextCheck,
        connections: concurrency,
        seconds: options.seconds,
        warmupSeconds: options.warmupSeconds,
        onAnswer: countMatch,
      }),
    );
    levels.push({
      concurrency,
      floor: floor.result,
      check: checks.result,
      matches,
      requests: checks.requests,
      references: { floorWithCounter: withCounter, http },
    });
  }

  log('cost per check (sequential, counted)');
  const costDesk = await network.newDesk('Cost Practice');
  const costSubjects = pool.slice(0, options.costChecks);
  const single = await counted(async () => {
    for (const s of costSubjects) {
      const answer = await network.call('POST', '/v1/checks', costDesk, { subject: s });
      if (answer.status !== 200) throw new Error(`a check answered ${answer.status}`);
    }
  });
  const batchSubjects = Array.from({ length: options.costBatches }, (_, b) => pool.slice(b * 100, b * 100 + 100));
  const batched = await counted(async () => {
    for (const [b, subjects] of batchSubjects.entries()) {
      const answer = await network.call('POST', '/v1/checks/batch', costDesk, { bookings: subjects.map((s, i) => ({ ref: `b${b}-${i}`, subject: s })) });
      if (answer.status !== 200) throw new Error(`a batch answered ${answer.status}`);
    }
  });
  const kindsPer = (subjects: readonly BenchSubject[]) =>
    subjects.reduce((sum, s) => sum + keyedMacCount(subjectMessages(s, region, 'lookup')), 0) / subjects.length;
  const cost = {
    perCheck: { tokenKinds: kindsPer(costSubjects), ...perUnit(single.requests, costSubjects.length), checks: costSubjects.length },
    perBooking: {
      tokenKinds: kindsPer(batchSubjects.flat()),
      ...perUnit(batched.requests, batchSubjects.flat().length),
      bookings: batchSubjects.flat().length,
    },
  };

  log('batch checks of 100 bookings');
  const batchDesk = await network.newDesk('Batch Practice');
  let batchTurn = 0;
  const batch = await runLoad({
    baseUrl: network.baseUrl,
    apiKey: batchDesk,
    method: 'POST',
    connections: 4,
    seconds: options.seconds,
    warmupSeconds: options.warmupSeconds,
    next: () => {
      const b = batchTurn++;
      return {
        path: '/v1/checks/batch',
        body: { bookings: Array.from({ length: 100 }, (_, i) => ({ ref: `r${i}`, subject: pool[(b * 100 + i) % pool.length]! })) },
      };
    },
  });

  log('submissions');
  const submitted: string[] = [];
  let submissionTurn = 5_000_000;
  const submissions = await runLoad({
    baseUrl: network.baseUrl,
    apiKey: network.keys.harbourDesk,
    method: 'POST',
    connections: 4,
    seconds: options.seconds,
    next: () => ({ path: '/v1/alerts', body: alertBody(network.clause, subject(submissionTurn++) as unknown as Record<string, string>) }),
    onAnswer: (status, body) => {
      if (status === 201) submitted.push((JSON.parse(body) as { alertId: string }).alertId);
    },
  });

  log('publications (the approval that completes the quorum)');
  const candidates = submitted.slice(0, options.publications);
  let firstTurn = 0;
  const firstApprovals = await runLoad({
    baseUrl: network.baseUrl,
    apiKey: network.keys.elmReviewer,
    method: 'POST',
    connections: 4,
    amount: candidates.length,
    next: () => ({
      path: `/v1/alerts/${candidates[firstTurn++ % candidates.length]}/reviews`,
      body: { decision: 'approve', reason: 'Specific; consent in order.' },
    }),
  });
  if (firstApprovals.non2xx + firstApprovals.errors > 0)
    throw new Error(`first approvals failed: ${firstApprovals.non2xx} non-2xx, ${firstApprovals.errors} errors`);
  let publishTurn = 0;
  let published = 0;
  const publications = await counted(() =>
    runLoad({
      baseUrl: network.baseUrl,
      apiKey: network.keys.valleyReviewer,
      method: 'POST',
      connections: 4,
      amount: candidates.length,
      next: () => ({ path: `/v1/alerts/${candidates[publishTurn++ % candidates.length]}/reviews`, body: { decision: 'approve', reason: 'Agree.' } }),
      onAnswer: (_status, body) => {
        if (body.includes('"status":"published"')) published += 1;
      },
    }),
  );

  const growth: BenchReport['growth'] = { points: [], appends: [] };
  if (options.growth) {
    const growthDesk = await network.newDesk('Growth Practice');
    for (const alerts of options.alerts) {
      const seeding = alerts > seeded ? await seedTo(alerts) : undefined;
      log(`checks with ${alerts} published alerts`);
      const spread = Array.from({ length: 2000 }, (_, i) => Math.floor((i * seeded) / 2000));
      const growthPool = screeningPool({ size: 2000, matchRatio: options.matchRatio, known: spread, unknownFrom: 9_500_000 });
      let g = 0;
      matches = 0;
      const point = await runLoad({
        baseUrl: network.baseUrl,
        apiKey: growthDesk,
        method: 'POST',
        connections: 1,
        seconds: options.seconds,
        warmupSeconds: options.warmupSeconds,
        next: () => ({ path: '/v1/checks', body: { subject: growthPool[g++ % growthPool.length]! } }),
        onAnswer: countMatch,
      });
      growth.points.push({ alerts, check: point, matches, seedSeconds: seeding?.seconds });
    }
    const event = { action: head.action, actor: head.actor, targets: head.targets, outcome: head.outcome, bookings: head.bookings, detail: head.detail };
    for (const writers of [1, 32]) {
      log(`audit appends with ${writers} concurrent writer(s)`);
      growth.appends.push(
        await measureAuditAppends({ documents: network.documents, auditTable: config.AUDIT_TABLE, event, writers, seconds: options.seconds }),
      );
    }
  }

  const auditScale = options.auditScale
    ? await measureAuditScale({
        endpoint: config.DYNAMODB_ENDPOINT!,
        auditTable: config.AUDIT_TABLE,
        mainTable: config.MAIN_TABLE,
        writers: [1, 8, 32, 64],
        seconds: options.seconds,
        latencyMs: 8,
        chains: config.AUDIT_CHAINS,
        log,
      })
    : undefined;

  const bundles = options.coldStart
    ? (log('cold start: bundle sizes and module initialisation'), measureColdStarts(repoRoot, options.coldRuns, options.reuseSynth, log))
    : [];

  return {
    at: new Date().toISOString(),
    machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
    options: { ...options },
    publishedAlertsDuringChecks: options.alerts[0]!,
    auditScale,
    checks: levels,
    cost,
    batch: { ...batch, bookingsPerSecond: (batch.count * 100) / batch.seconds },
    submissions,
    publications: { ...publications.result, published, requests: publications.requests, driver: 'autocannon, one request per alert already approved once' },
    growth,
    bundles,
    goals: [
      floorGoal(levels.map(({ concurrency, check, floor }) => ({ concurrency, checkP50: check.p50, floorP50: floor.p50 }))),
      costGoal({
        tokenKinds: cost.perCheck.tokenKinds,
        kms: cost.perCheck.kms,
        dynamoReads: cost.perCheck.dynamoReads,
        dynamoWrites: cost.perCheck.dynamoWrites,
      }),
      growthGoal(growth.points.map(({ alerts, check }) => ({ alerts, p50: check.p50 }))),
      bundleGoal(bundles),
    ],
    totalSeconds: 0,
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
