/**
 * `npm run bench:audit-export [-- --entries 100000 --page-size 5000 --formats jsonl,csv --chains 16 --checkpoints 6]`
 *
 * Seeds N chained audit entries (computed with chainEntries, BatchWritten) into a fresh
 * in-memory DynamoDB Local, as the log is since there are many chains: the first 5 % on the one
 * chain of before (`main`, the migration), the rest spread over `--chains` chains, with a signed
 * checkpoint after each of `--checkpoints` equal stretches of time. It then exports them through
 * the real local HTTP pipeline (infra/local/server.ts: authorizer, group handler, paging) with
 * the audit-export CLI code into one file (version 2 manifest, chain runs, checkpoints), and
 * verifies it with the offline verifier (CSV with the checkpoints the CLI fetched). The export
 * client and the verifier each run in a child process of their own, so each peak RSS is that
 * phase's alone; the server runs here, and its peak is reported too. Finally each tampering
 * case is applied to a copy of the jsonl file and verified with `peerguard verify`'s own code:
 * the table gives the case, the verdict's first line and the exit code. Stops by itself.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { auditItem, buildAuditLog } from '#shared/adapters/dynamo/audit-log.ts';
import { buildDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { chainEntries } from '#shared/audit/chain.ts';
import { chainName, legacyChain } from '#shared/audit/chains.ts';
import { makeCheckpoint } from '#shared/audit/checkpoint.ts';
import type { ExportFormat, Manifest } from '#shared/audit/manifest.ts';
import { describeResult, verifyExportFile } from '#shared/audit/verify.ts';
import { checkpointLines } from '#shared/audit/verify-chains.ts';
import { verificationKey } from '#shared/domain/audit.ts';
import { readVerificationKey } from '#shared/audit/statements.ts';
import type { Deps } from '#shared/deps.ts';
import { runVerifyExport } from '../cli/commands/verify-export.ts';
import { sha256Hex } from '#shared/canonical.ts';
import { loadConfig, type LocalConfig } from '#shared/config.ts';
import { addDays, isoDate } from '#shared/dates.ts';
import { newId } from '#shared/ids.ts';
import type { AuditCheckpoint, AuditEntry, AuditEvent } from '#shared/records.ts';
import { buildDeps, settingsFrom } from '#shared/runtime.ts';
import { ensureConfiguredTables, startDynamoLocal } from '../infra/local/dynamo-local.ts';
import { createLocalServer } from '../infra/local/server.ts';
import { expectedFailure, kindsFor, tamper, tamperDescriptions, verifyFlags, type TamperPlan } from './lib/audit-tamper.ts';
import { rssSampler } from './lib/bench-phase.ts';

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function runPhase(args: string[], env: Record<string, string> = {}): Promise<Record<string, any>> {
  const script = fileURLToPath(new URL('./lib/bench-phase.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(output.trim().split('\n').at(-1)!)) : reject(new Error(`phase ${args[1]} exited with ${code}`)),
    );
  });
}

// ── seeding ─────────────────────────────────────────────────────────────────────

const token = () => randomBytes(32).toString('base64url');

/** A mix like production's: mostly single checks, some batches, alert and key administration. */
function benchEvent(i: number): AuditEvent {
  const practiceId = `prc_${String(i % 40).padStart(26, '0')}`;
  const desk = { keyId: `key_${String(i % 97).padStart(26, '0')}`, role: 'practice' as const, practiceId };
  if (i % 20 === 0) {
    return {
      action: 'check.performed',
      actor: desk,
      targets: { checkId: newId('chk') },
      outcome: 'no_match',
      bookings: Array.from({ length: 10 }, () => ({
        checkId: newId('chk'),
        tokenKinds: ['phone', 'email'],
        tokenDigests: [token(), token()],
        result: 'no_match' as const,
      })),
    };
  }
  if (i % 10 < 6) {
    const match = i % 50 === 1;
    return {
      action: 'check.performed',
      actor: desk,
      targets: { checkId: newId('chk') },
      outcome: match ? 'match' : 'no_match',
      bookings: [
        {
          checkId: newId('chk'),
          tokenKinds: ['phone', 'email', 'name_dob', 'name'],
          tokenDigests: [token(), token(), token(), token()],
          result: match ? 'match' : 'no_match',
          ...(match ? { confidence: 'strong' as const } : {}),
        },
      ],
    };
  }
  if (i % 10 < 8)
    return {
      action: 'alert.approved',
      actor: { ...desk, role: 'reviewer' },
      targets: { alertId: newId('alt') },
      outcome: 'pending_review',
      detail: { reasonCiphertextSha256: sha256Hex(String(i)) },
    };
  return { action: 'alert.submitted', actor: desk, targets: { alertId: newId('alt') }, outcome: 'pending_review' };
}

async function batchWrite(client: DynamoDBDocumentClient, table: string, items: Record<string, unknown>[]): Promise<void> {
  const groups = Array.from({ length: Math.ceil(items.length / 25) }, (_, g) => items.slice(g * 25, g * 25 + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < groups.length) {
        let requests: Record<string, unknown>[] | undefined = groups[next++]!.map((Item) => ({ PutRequest: { Item } }));
        while (requests && requests.length > 0) {
          const { UnprocessedItems } = await client.send(new BatchWriteCommand({ RequestItems: { [table]: requests as never } }));
          requests = UnprocessedItems?.[table] as Record<string, unknown>[] | undefined;
        }
      }
    }),
  );
}

/**
 * Entry i at its time; the first 5 % on the chain of before, the rest round-robin over the chains,
 * with a checkpoint (made with the clock at the end of its stretch) after each stretch.
 */
async function seed(
  endpoint: string,
  deps: Deps,
  table: string,
  options: { entries: number; chains: number; checkpoints: number; start: Date; end: Date },
): Promise<{ checkpoints: number }> {
  // Seeding is not what is measured: its calls may take long on a loaded machine, without the requests' 2 s bound.
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const audit = buildAuditLog(client, table);
  const { entries, start, end } = options;
  const step = (end.getTime() - start.getTime()) / entries;
  const legacy = Math.floor(entries * 0.05);
  const previous = new Map<string, AuditEntry>();
  const stretch = Math.ceil(entries / options.checkpoints);
  const batch = 2_500;
  let made = 0;
  for (let first = 0; first < entries; first += batch) {
    const items: Record<string, unknown>[] = [];
    for (let i = first; i < Math.min(entries, first + batch); i += 1) {
      const chain = i < legacy ? legacyChain : chainName(i % options.chains);
      const entry = chainEntries(previous.get(chain), [benchEvent(i)], new Date(start.getTime() + i * step), chain)[0]!;
      previous.set(chain, entry);
      items.push(auditItem(entry));
      if ((i + 1) % stretch === 0 || i + 1 === entries) {
        await batchWrite(client, table, items.splice(0));
        const madeAt = new Date(start.getTime() + (i + 1) * step);
        await makeCheckpoint({ ...deps, audit, clock: () => madeAt });
        made += 1;
      }
    }
    await batchWrite(client, table, items);
  }
  client.destroy();
  return { checkpoints: made };
}

// ── the run ─────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      entries: { type: 'string', default: '100000' },
      'page-size': { type: 'string', default: '5000' },
      formats: { type: 'string', default: 'jsonl,csv' },
      chains: { type: 'string', default: '16' },
      checkpoints: { type: 'string', default: '6' },
    },
  });
  const chains = Number(values.chains);
  const checkpointCount = Number(values.checkpoints);
  const entries = Number(values.entries);
  const pageSize = Number(values['page-size']);
  const formats = values.formats!.split(',') as ExportFormat[];
  const dataDir = mkdtempSync(join(tmpdir(), 'peerguard-bench-audit-'));
  const dynamo = await startDynamoLocal();
  try {
    const config = loadConfig({
      PEERGUARD_RUNTIME: 'local',
      DATA_DIR: dataDir,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      LOG_LEVEL: 'ERROR',
      AUDIT_EXPORT_PAGE_SIZE: String(pageSize),
    }) as LocalConfig;
    await ensureConfiguredTables(dynamo.endpoint, config);
    const audit = buildAuditLog(buildDocumentClient({ endpoint: dynamo.endpoint }), config.AUDIT_TABLE);
    const deps = buildDeps(config, { audit, settings: { ...settingsFrom(config), auditExportPageSize: pageSize } });

    console.log(
      `\nAudit export benchmark: ${entries} entries (5 % on the chain of before, the rest over ${chains} chains), ${checkpointCount} checkpoints, page size ${pageSize}, ${cpus().length} cores, Node ${process.version}`,
    );
    const now = new Date();
    const start = addDays(now, -30);
    let t0 = performance.now();
    const seeded = await seed(dynamo.endpoint, deps, config.AUDIT_TABLE, {
      entries,
      chains,
      checkpoints: checkpointCount,
      start,
      end: new Date(now.getTime() - 60_000),
    });
    console.log(
      `seed:   ${entries} chained entries BatchWritten and ${seeded.checkpoints} checkpoints made in ${seconds(performance.now() - t0)} (${Math.round(entries / ((performance.now() - t0) / 1000))} entries/s)`,
    );

    const server = createLocalServer(deps, () => undefined);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const keyId = newId('key');
    const apiKey = `pg.${keyId}.${randomBytes(32).toString('base64url')}`;
    await deps.apiKeys.create({ keyId, secretSha256: sha256Hex(apiKey), role: 'auditor', label: 'bench', createdAt: now.toISOString() }, { events: [], now });
    // The key file counsel saves: the whole answer of GET /v1/audit/verification-key.
    const keyFile = join(dataDir, 'key.json');
    writeFileSync(keyFile, JSON.stringify(await verificationKey(deps)));

    let jsonl: { file: string; manifest: Manifest } | undefined;
    for (const format of formats) {
      const out = join(dataDir, `export.${format}`);
      const serverRss = rssSampler();
      t0 = performance.now();
      // The key goes by the environment, never on a command line (where the process list shows it).
      const exported = await runPhase(['--phase', 'export', '--url', url, '--from', isoDate(start), '--to', isoDate(now), '--format', format, '--out', out], {
        PEERGUARD_API_KEY: apiKey,
      });
      const serverPeak = serverRss.stop();
      console.log(
        `${format.padEnd(5)} export: ${exported.manifest.count} entries in ${exported.pages} pages, file ${mb(statSync(out).size)}, ${seconds(exported.ms)} ` +
          `(wall ${seconds(performance.now() - t0)} with process start); peak RSS: CLI ${mb(exported.peakRss)} (at start ${mb(exported.baselineRss)}), server ${mb(serverPeak)}`,
      );
      const verified = await runPhase([
        '--phase',
        'verify',
        '--file',
        out,
        '--pem',
        readFileSync(keyFile, 'utf8'),
        ...(exported.manifestPath ? ['--manifest', exported.manifestPath] : []),
        ...(exported.checkpointsPath ? ['--checkpoints', exported.checkpointsPath] : []),
      ]);
      console.log(
        `${format.padEnd(5)} verify: ${verified.entries} entries in ${seconds(verified.ms)}; peak RSS ${mb(verified.peakRss)} (at start ${mb(verified.baselineRss)})`,
      );
      console.log(`       verdict: ${verified.verdict}`);
      if (format === 'jsonl') jsonl = { file: out, manifest: exported.manifest as Manifest };
    }
    await new Promise((done) => server.close(done));

    if (jsonl) await tamperTable(jsonl, deps.signer, keyFile, dataDir);
  } finally {
    await dynamo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Each tampering case on a copy of the jsonl file, verified as counsel would (`peerguard verify
 * <copy> --key key.json`, the CLI's own code): the case, the verdict's first line, the exit code,
 * and whether that is the answer the case must get. The entry cases act on one chain, at a seq
 * after one checkpoint's recorded head and before the next one's (so "between two checkpoints").
 */
async function tamperTable(jsonl: { file: string; manifest: Manifest }, signer: Deps['signer'], keyFile: string, dataDir: string): Promise<void> {
  const { manifest } = jsonl;
  const read = () => createInterface({ input: createReadStream(jsonl.file), crlfDelay: Infinity });
  const found = await checkpointLines(read());
  if ('failure' in found) throw new Error(`the export's checkpoints do not read: ${found.failure.message}`);
  const checkpoints: AuditCheckpoint[] = found.checkpoints;
  const { first, last } = manifest.checkpoints ?? { first: 1, last: 1 };
  const middle = Math.floor((first + last) / 2);
  const headOf = (number: number, chain: string) =>
    checkpoints.find((checkpoint) => checkpoint.number === number)?.heads.find((head) => head.chain === chain)?.seq ?? 0;
  const chain = chainName(3);
  // Three past checkpoint `middle`'s head of the chain: neither it nor the next is a recorded head.
  const target = headOf(middle, chain) + 3;
  if (!(target + 1 < headOf(middle + 1, chain))) throw new Error(`chain ${chain} has too few entries between checkpoints ${middle} and ${middle + 1}`);
  const plan: TamperPlan = { manifest, chain, target, tail: 10, networkSigner: signer, checkpoints, checkpoint: middle };
  console.log(
    `\ntampering (each on a copy of the jsonl file, verified with \`peerguard verify <copy> --key key.json\`; entry cases on chain ${chain} at seq ${target}, ` +
      `between checkpoints ${middle} and ${middle + 1}; checkpoint cases on checkpoint ${middle}; truncation cuts the chain's last ${plan.tail}):\n`,
  );
  console.log('| tampering | what the verifier said | exit | as expected | time |');
  console.log('| --- | --- | ---: | --- | ---: |');
  for (const kind of kindsFor(manifest)) {
    const copy = join(dataDir, `tampered-${kind}.jsonl`);
    const out = createWriteStream(copy);
    for await (const line of tamper(read(), kind, plan)) {
      if (!out.write(`${line}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    const t0 = performance.now();
    const printed: string[] = [];
    const exit = await runVerifyExport([copy, '--key', keyFile, ...verifyFlags(kind)], (line) => printed.push(line));
    const ms = performance.now() - t0;
    // The code and seq the verdict is judged on (the same verifier, without printing).
    const result = await verifyExportFile(copy, { key: readVerificationKey(readFileSync(keyFile, 'utf8')), skipCheckpoints: verifyFlags(kind).length > 0 });
    const expected = expectedFailure(kind, plan);
    const right = result.failure?.code === expected.code && result.failure?.seq === expected.seq && exit === expected.exit;
    const said = `${result.failure ? `\`${result.failure.code}\`${result.failure.seq === undefined ? '' : ` seq ${result.failure.seq}`}: ` : ''}${(printed[0] ?? describeResult(result, copy)).split('\n')[0]}`;
    console.log(
      `| ${tamperDescriptions[kind]} | ${said.replaceAll(copy, 'the copy').replaceAll('|', '\\|')} | ${exit} | ${right ? 'yes' : 'NO'} | ${seconds(ms)} |`,
    );
    rmSync(copy);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
