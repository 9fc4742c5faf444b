/**
 * `npm run soak [-- --minutes N --concurrency C --max-requests R --out file.json --keep]`
 *
 * A bounded mixed load against a fresh local network on this machine: starts `npm start`'s
 * server as its own process (random port on 127.0.0.1, a fresh data folder, its own DynamoDB
 * Local, the screening quota raised), sets up three practices, then for N minutes (default 1,
 * fractions allowed) keeps C requests in flight (default 8) — submissions, reviews that publish
 * or reject, checks, batch checks, exports, queue reads, and a few that must fail (duplicate
 * reviews 409, invalid checks 400) — never more than R requests in all. It samples the server's
 * memory (RSS and heap) throughout. At the end it exports the whole audit log through the API,
 * verifies it offline as counsel would, and reconciles: every 2xx request has exactly one audit
 * entry and every entry one 2xx request, nothing 5xx'd, every answer was the expected one, and
 * memory did not keep growing. Prints a summary, writes it as JSON (default
 * bench/results/soak-<timestamp>.json), and exits 1 if any check failed. Stops by itself.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isoDate } from '#shared/dates.ts';
import { entryFromJson } from '#shared/audit/export-format.ts';
import { readVerificationKey } from '#shared/audit/statements.ts';
import { describeResult, verifyExportFile } from '#shared/audit/verify.ts';
import type { AuditEntry } from '#shared/records.ts';
import { downloadExport } from '../cli/export-download.ts';
import { runLoad, setUpSoakNetwork } from './lib/soak-load.ts';
import { memoryVerdict, reconcileAudit, type MemorySample, type RecordedRequest } from './lib/soak-reconcile.ts';
import { startSoakServer } from './lib/soak-server.ts';

export interface SoakOptions {
  readonly minutes: number;
  readonly concurrency: number;
  readonly maxRequests: number;
  readonly out: string;
  readonly keep: boolean;
}

const mb = (bytes: number | undefined) => (bytes === undefined ? '-' : `${(bytes / 1_048_576).toFixed(1)} MB`);

export async function runSoak(options: SoakOptions, print: (line: string) => void): Promise<boolean> {
  const dataDir = mkdtempSync(join(tmpdir(), 'peerguard-soak-'));
  const server = await startSoakServer(dataDir, {
    CHECKS_PER_MINUTE: '100000',
    CHECKS_PER_DAY: '10000000',
    GUESSES_PER_DAY: '10000000',
    // Small pages keep the load's exports (first page only) cheap, and make the final one page.
    AUDIT_EXPORT_PAGE_SIZE: '1000',
  });
  // However the run goes, it ends: a run that overstays its time by 5 minutes is stopped.
  const durationMs = options.minutes * 60_000;
  const watchdog = setTimeout(
    () => {
      print('soak: overran its time by 5 minutes; stopping');
      void server.stop().then(() => process.exit(1));
    },
    durationMs + 5 * 60_000,
  );
  watchdog.unref();
  try {
    print(
      `Soak: ${options.minutes} min at concurrency ${options.concurrency} (at most ${options.maxRequests} requests) against ${server.baseUrl} (pid ${server.pid}), data in ${dataDir}`,
    );
    const requests: RecordedRequest[] = [];
    const record = (request: RecordedRequest) => requests.push(request);
    const network = await setUpSoakNetwork(server.baseUrl, server.adminKey, record);

    const samples: MemorySample[] = [];
    const started = Date.now();
    const sampleEveryMs = Math.min(2_000, Math.max(250, durationMs / 60));
    const sample = async () => samples.push({ t: Date.now() - started, ...(await server.memory()) });
    await sample();
    const sampler = setInterval(() => void sample(), sampleEveryMs);
    const startDay = isoDate(new Date());
    const sent = await runLoad({ baseUrl: server.baseUrl, network, durationMs, concurrency: options.concurrency, maxRequests: options.maxRequests, record });
    clearInterval(sampler);
    await sample();
    const loadSeconds = (Date.now() - started) / 1000;

    // The whole log, through the API, verified offline with the network's public key.
    const exportFile = join(dataDir, 'soak-audit.jsonl');
    const keyAnswer = await fetch(new URL('/v1/audit/verification-key', server.baseUrl), { headers: { authorization: `Bearer ${network.keys.auditor}` } });
    const key = readVerificationKey(await keyAnswer.text());
    const download = await downloadExport({
      url: server.baseUrl,
      apiKey: network.keys.auditor,
      from: startDay,
      to: isoDate(new Date()),
      format: 'jsonl',
      out: exportFile,
    });
    const verified = await verifyExportFile(exportFile, { key });
    const lines = readFileSync(exportFile, 'utf8').trimEnd().split('\n');
    const entries: AuditEntry[] = lines.slice(0, -1).map((line) => entryFromJson(JSON.parse(line)));
    const reconciliation = reconcileAudit(requests, entries);
    const memory = memoryVerdict(samples);

    const checks = {
      'no 5xx answers': reconciliation.serverErrors === 0,
      'no request without an answer': reconciliation.networkErrors === 0,
      'every status was the one its kind expects': reconciliation.unexpectedStatuses === 0,
      'every screening and review answer was right': reconciliation.wrongAnswers.length === 0,
      'the export verifies (chain and signature)': verified.ok && verified.signatureChecked,
      'the export holds the whole log':
        verified.ok && entries.length === download.manifest.count && (download.manifest.version === 2 || download.manifest.firstSeq === 1),
      'every 2xx request has exactly one audit entry': reconciliation.missingCount === 0,
      'every audit entry has exactly one 2xx request': reconciliation.unexplainedCount === 0,
      'memory did not grow without bound': memory.ok,
    };
    const passed = Object.values(checks).every(Boolean);

    print('');
    print(
      `Requests: ${sent} in ${loadSeconds.toFixed(1)} s of load (${(sent / loadSeconds).toFixed(1)}/s), after ${requests.filter((r) => r.kind === 'setup').length} to set up`,
    );
    print('kind                                | requests | statuses');
    for (const [kind, count] of Object.entries(reconciliation.kinds).sort()) {
      const statuses = Object.entries(count.byStatus)
        .map(([status, n]) => `${status}×${n}`)
        .join(' ');
      print(`${kind.padEnd(35)} | ${String(count.requests).padStart(8)} | ${statuses}`);
    }
    print('');
    print('audit action        | promised by 2xx | found in export');
    const actions = [...new Set([...Object.keys(reconciliation.expectedByAction), ...Object.keys(reconciliation.foundByAction)])].sort();
    for (const action of actions) {
      print(
        `${action.padEnd(19)} | ${String(reconciliation.expectedByAction[action] ?? 0).padStart(15)} | ${String(reconciliation.foundByAction[action] ?? 0).padStart(15)}`,
      );
    }
    print(
      `entries: ${entries.length} (${reconciliation.systemEntries} written by the network itself: the first admin key); missing ${reconciliation.missingCount}, unexplained ${reconciliation.unexplainedCount}`,
    );
    for (const line of [
      ...reconciliation.missing.map((id) => `  missing: ${id}`),
      ...reconciliation.unexplained.map((id) => `  unexplained: ${id}`),
      ...reconciliation.wrongAnswers.map((text) => `  wrong answer: ${text}`),
    ])
      print(line);
    print(`verifier: ${describeResult(verified, exportFile)}`);
    print(
      `memory (server process, ${memory.samples} samples): start RSS ${mb(samples[0]?.rss)} heap ${mb(samples[0]?.heapUsed)}; end RSS ${mb(samples.at(-1)?.rss)} heap ${mb(samples.at(-1)?.heapUsed)}`,
    );
    print(
      `  settled medians: early RSS ${mb(memory.early?.rss)} heap ${mb(memory.early?.heapUsed)}; late RSS ${mb(memory.late?.rss)} heap ${mb(memory.late?.heapUsed)}; ${memory.reason}`,
    );
    print('');
    for (const [name, ok] of Object.entries(checks)) print(`${ok ? 'PASS' : 'FAIL'}  ${name}`);

    const out = resolve(options.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      `${JSON.stringify(
        {
          finishedAt: new Date().toISOString(),
          options,
          requests: { load: sent, total: requests.length, loadSeconds, perSecond: sent / loadSeconds },
          kinds: reconciliation.kinds,
          audit: {
            entries: entries.length,
            expectedByAction: reconciliation.expectedByAction,
            foundByAction: reconciliation.foundByAction,
            systemEntries: reconciliation.systemEntries,
            missing: reconciliation.missing,
            unexplained: reconciliation.unexplained,
          },
          verifier: { ok: verified.ok, signatureChecked: verified.signatureChecked, entries: verified.entries, verdict: describeResult(verified, exportFile) },
          errors: {
            serverErrors: reconciliation.serverErrors,
            networkErrors: reconciliation.networkErrors,
            unexpectedStatuses: reconciliation.unexpectedStatuses,
            wrongAnswers: reconciliation.wrongAnswers,
          },
          memory: { verdict: memory, start: samples[0], end: samples.at(-1), samples },
          checks,
          passed,
        },
        null,
        2,
      )}\n`,
    );
    print(`${passed ? 'SOAK PASSED' : 'SOAK FAILED'}; figures written to ${out}`);
    return passed;
  } catch (error) {
    print(`soak failed: ${error instanceof Error ? error.message : String(error)}\nserver output (last lines):\n${server.tail()}`);
    return false;
  } finally {
    clearTimeout(watchdog);
    await server.stop();
    if (!options.keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

export function soakOptions(argv: readonly string[]): SoakOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      minutes: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '8' },
      'max-requests': { type: 'string' },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const minutes = Number(values.minutes);
  const concurrency = Number(values.concurrency);
  if (!(minutes > 0 && minutes <= 240)) throw new Error('--minutes must be a number above 0 and at most 240 (fractions such as 0.5 are fine)');
  if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 64)) throw new Error('--concurrency must be a whole number from 1 to 64');
  // The budget: more than this machine can send in the time, so it bounds a runaway, not the load.
  const maxRequests = values['max-requests'] === undefined ? Math.ceil(minutes * 60 * 500) : Number(values['max-requests']);
  if (!(Number.isInteger(maxRequests) && maxRequests >= 1)) throw new Error('--max-requests must be a whole number of at least 1');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return { minutes, concurrency, maxRequests, out: values.out ?? join('bench', 'results', `soak-${stamp}.json`), keep: values.keep ?? false };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let options: SoakOptions;
  try {
    options = soakOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\nusage: npm run soak -- [--minutes N] [--concurrency C] [--max-requests R] [--out file.json] [--keep]\n`);
    process.exit(2);
  }
  runSoak(options, (line) => process.stdout.write(`${line}\n`)).then(
    (passed) => process.exit(passed ? 0 : 1),
    (error: unknown) => {
      process.stderr.write(`soak failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
