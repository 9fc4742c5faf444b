import type { AuditScaleReport } from './audit-scale.ts';
/** The benchmark's figures as JSON (one object) and as the table printed on stdout. */
import type { LatencySummary } from './stats.ts';
import { ratio } from './stats.ts';
import type { LoadResult } from './load.ts';
import type { PerUnitCost } from './counting.ts';
import type { BundleFigures } from './cold-start.ts';
import { verdict, type GoalResult } from './goals.ts';
import type { BenchOptions } from './options.ts';

export interface BenchReport {
  at: string;
  /** "Audit under realistic storage latency" (scripts/bench/audit-scale.ts), unless skipped. */
  auditScale?: AuditScaleReport | undefined;
  machine: { cores: number; cpu: string; node: string };
  options: BenchOptions;
  publishedAlertsDuringChecks: number;
  checks: {
    concurrency: number;
    floor: LatencySummary & { seconds: number };
    check: LoadResult;
    matches: number;
    requests: Record<string, number>;
    /** Not goals: what the quota counter's transaction adds to the floor, and an HTTP round trip to the server alone (GET /v1/health). */
    references: { floorWithCounter: LatencySummary & { seconds: number }; http: LoadResult };
  }[];
  cost: { perCheck: PerUnitCost & { tokenKinds: number; checks: number }; perBooking: PerUnitCost & { tokenKinds: number; bookings: number } };
  batch: LoadResult & { bookingsPerSecond: number };
  submissions: LoadResult;
  publications: LoadResult & { published: number; requests: Record<string, number>; driver: string };
  growth: {
    points: { alerts: number; check: LoadResult; matches: number; seedSeconds: number | undefined }[];
    appends: (LatencySummary & { writers: number; failed: number })[];
  };
  bundles: BundleFigures[];
  goals: GoalResult[];
  totalSeconds: number;
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : 'n/a');
const num = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a');

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(headers), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function renderReport(report: BenchReport): string {
  const out: string[] = [];
  out.push(
    `\nPeerguard benchmark, ${report.at}: ${report.machine.cores} cores (${report.machine.cpu}), Node ${report.machine.node}; ${report.options.seconds} s per phase; ${report.totalSeconds.toFixed(0)} s in all`,
  );
  out.push(
    `\nSingle checks (${report.publishedAlertsDuringChecks} published alerts; ~${Math.round(report.options.matchRatio * 100)}% of checks match) against the floor (BatchGetItem + PutItem, same client, same DynamoDB Local)`,
  );
  out.push(
    table(
      [
        'conc.',
        'check p50',
        'p95',
        'p99',
        'checks/s',
        'errors',
        'floor p50',
        'p95',
        'p99',
        'ops/s',
        'p50 ÷ floor',
        'p95 ÷ floor',
        'p99 ÷ floor',
        'throughput ÷ floor',
        'p50 ≤ 1.5×',
      ],
      report.checks.map(({ concurrency, check, floor }) => {
        const r = ratio(check.p50, floor.p50);
        return [
          String(concurrency),
          ms(check.p50),
          ms(check.p95),
          ms(check.p99),
          num(check.perSecond),
          String(check.non2xx + check.errors),
          ms(floor.p50),
          ms(floor.p95),
          ms(floor.p99),
          num(floor.perSecond),
          times(r),
          times(ratio(check.p95, floor.p95)),
          times(ratio(check.p99, floor.p99)),
          times(ratio(check.perSecond, floor.perSecond)),
          Number.isFinite(r) ? (r <= 1.5 ? 'met' : 'NOT MET') : 'n/a',
        ];
      }),
    ),
  );
  out.push('(latencies in ms)');
  out.push(
    '\nWhere the rest goes (p50 ms; references, not goals): the floor with the quota counter in the same TransactWriteItems as the audit Put, and an HTTP round trip alone (GET /v1/health)',
  );
  out.push(
    table(
      ['conc.', 'floor', 'floor + counter (transaction)', 'HTTP alone', 'check', 'check ÷ (floor + counter)'],
      report.checks.map(({ concurrency, check, floor, references }) => [
        String(concurrency),
        ms(floor.p50),
        ms(references.floorWithCounter.p50),
        ms(references.http.p50),
        ms(check.p50),
        times(ratio(check.p50, references.floorWithCounter.p50)),
      ]),
    ),
  );

  const { perCheck, perBooking } = report.cost;
  out.push(`\nCost, counted at the adapters (${perCheck.checks} sequential checks; ${perBooking.bookings} bookings in batches of 100)`);
  out.push(
    table(
      ['per', 'token kinds', 'KMS requests', 'DynamoDB reads', 'DynamoDB writes', 'authorisation reads', 'goal'],
      [
        [
          'check',
          num(perCheck.tokenKinds, 2),
          num(perCheck.kms, 2),
          num(perCheck.dynamoReads, 2),
          num(perCheck.dynamoWrites, 2),
          num(perCheck.authReads, 2),
          verdict(report.goals[1]!.met),
        ],
        [
          'booking in a batch',
          num(perBooking.tokenKinds, 2),
          num(perBooking.kms, 2),
          num(perBooking.dynamoReads, 3),
          num(perBooking.dynamoWrites, 3),
          num(perBooking.authReads, 3),
          '',
        ],
      ],
    ),
  );
  out.push(
    `per check: ${Object.entries(perCheck.detail)
      .map(([name, count]) => `${name} ${num(count, 2)}`)
      .join(', ')}`,
  );
  out.push('authorisation reads: once per key per minute; the local server caches the authorizer as API Gateway does in AWS (60 s).');

  out.push('\nBatches, submissions, publications');
  out.push(
    table(
      ['phase', 'requests', 'p50 ms', 'p99 ms', 'per second', 'errors'],
      [
        [
          'batch check (100 bookings, 4 connections)',
          String(report.batch.count),
          ms(report.batch.p50),
          ms(report.batch.p99),
          `${num(report.batch.bookingsPerSecond)} bookings/s`,
          String(report.batch.non2xx + report.batch.errors),
        ],
        [
          'submission (4 connections)',
          String(report.submissions.count),
          ms(report.submissions.p50),
          ms(report.submissions.p99),
          `${num(report.submissions.perSecond)} /s`,
          String(report.submissions.non2xx + report.submissions.errors),
        ],
        [
          `publication (approval completing the quorum; ${report.publications.published} published)`,
          String(report.publications.count),
          ms(report.publications.p50),
          ms(report.publications.p99),
          `${num(report.publications.perSecond)} /s`,
          String(report.publications.non2xx + report.publications.errors),
        ],
      ],
    ),
  );

  if (report.growth.points.length > 0) {
    out.push('\nGrowth: single checks at concurrency 1 as published alerts grow; audit appends through the real appender');
    out.push(
      table(
        ['published alerts', 'check p50', 'p95', 'p99', 'checks/s', 'matches', 'seeding s'],
        report.growth.points.map(({ alerts, check, matches, seedSeconds }) => [
          String(alerts),
          ms(check.p50),
          ms(check.p95),
          ms(check.p99),
          num(check.perSecond),
          String(matches),
          seedSeconds === undefined ? '' : num(seedSeconds, 1),
        ]),
      ),
    );
    out.push(
      table(
        ['audit writers', 'appends/s', 'p50 ms', 'p95 ms', 'p99 ms', 'failed'],
        report.growth.appends.map((a) => [String(a.writers), num(a.perSecond), ms(a.p50), ms(a.p95), ms(a.p99), String(a.failed)]),
      ),
    );
  }

  if (report.bundles.length > 0) {
    out.push(`\nCold start: minified bundles from npm run synth; module initialisation in a fresh Node process (median of ${report.bundles[0]!.runs})`);
    out.push(
      table(
        ['function', 'index.mjs KB', 'init ms', '< 300 KB'],
        report.bundles.map((b) => [b.name, num(b.bytes / 1024), ms(b.initMs), b.bytes < 300 * 1024 ? 'met' : 'NOT MET']),
      ),
    );
  }

  out.push('\nGoals (reported, not asserted)');
  out.push(
    table(
      ['goal', 'verdict', 'figures'],
      report.goals.map((g) => [g.goal, verdict(g.met), g.detail]),
    ),
  );
  return out.join('\n');
}
