/** `npm run bench` options: defaults keep a run within about five minutes on two cores. */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Seconds per measured phase (floor, each check level, batch, submissions, growth points, audit appends). */
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly concurrency: readonly number[];
  readonly alerts: readonly number[];
  readonly matchRatio: number;
  /** Sequential checks (and batches of 100) whose requests are counted for the cost per check. */
  readonly costChecks: number;
  readonly costBatches: number;
  readonly publications: number;
  readonly coldRuns: number;
  readonly growth: boolean;
  /** The section "audit under realistic storage latency" (scripts/bench/audit-scale.ts). */
  readonly auditScale: boolean;
  readonly coldStart: boolean;
  /** Use the bundles already in cdk.out instead of synthesising first. */
  readonly reuseSynth: boolean;
  readonly outDir: string;
}

export const usage = `npm run bench [-- options]
  --duration <s>       seconds per measured phase (default 10)
  --quick              a very short smoke run (1 s phases, 200 and 2000 alerts, one cold-start run)
  --concurrency <list> single-check concurrency levels (default 1,8,32)
  --alerts <list>      published alerts for the growth points (default 1000,100000)
  --match-ratio <r>    share of checks that match a published alert (default 0.2)
  --skip-growth        no growth points and no audit append throughput
  --skip-audit-scale   no "audit under realistic storage latency" section (npm run bench:audit-scale runs it alone)
  --skip-cold-start    no bundle sizes or module initialisation times
  --reuse-synth        measure the bundles already in cdk.out (default: npm run synth first)
  --out <dir>          where the JSON goes (default bench/results)`;

const list = (value: string) =>
  value
    .split(',')
    .map((item) => Number(item.trim()))
    .filter((n) => Number.isFinite(n) && n > 0);

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      duration: { type: 'string' },
      quick: { type: 'boolean' },
      concurrency: { type: 'string' },
      alerts: { type: 'string' },
      'match-ratio': { type: 'string' },
      'skip-growth': { type: 'boolean' },
      'skip-audit-scale': { type: 'boolean' },
      'skip-cold-start': { type: 'boolean' },
      'reuse-synth': { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const quick = values.quick === true;
  const seconds = Number(values.duration ?? (quick ? 1 : 10));
  if (!(seconds > 0)) throw new Error(`--duration must be a positive number of seconds\n${usage}`);
  const alerts = list(values.alerts ?? (quick ? '200,2000' : '1000,100000')).sort((a, b) => a - b);
  const matchRatio = Number(values['match-ratio'] ?? 0.2);
  if (!(matchRatio >= 0 && matchRatio <= 1)) throw new Error(`--match-ratio must be between 0 and 1\n${usage}`);
  return {
    seconds,
    warmupSeconds: quick ? 0.5 : Math.min(2, seconds / 5),
    concurrency: list(values.concurrency ?? '1,8,32'),
    alerts: alerts.length > 0 ? alerts : [1000],
    matchRatio,
    costChecks: quick ? 20 : 100,
    costBatches: quick ? 1 : 5,
    publications: quick ? 10 : 100,
    coldRuns: quick ? 1 : 3,
    growth: values['skip-growth'] !== true,
    auditScale: values['skip-audit-scale'] !== true,
    coldStart: values['skip-cold-start'] !== true,
    reuseSynth: values['reuse-synth'] === true,
    outDir: values.out ?? 'bench/results',
  };
}
