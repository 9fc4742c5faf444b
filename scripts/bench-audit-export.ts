/**
 * `npm run bench:audit-export [-- --entries 100000 --page-size 5000 --formats jsonl,csv]`
 *
 * Seeds N chained audit entries (computed with chainEntries, BatchWritten) into a fresh
 * in-memory DynamoDB Local, then exports them through the real local HTTP pipeline
 * (infra/local/server.ts: authorizer, group handler, paging) with the audit-export CLI code
 * into one file, and verifies it with the offline verifier. The export client and the
 * verifier each run in a child process of their own, so each peak RSS is that phase's alone;
 * the server runs here, and its peak is reported too. Finally each tampering case is applied
 * to a copy of the jsonl file and the verifier's answer printed. Stops by itself.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { auditItem, buildAuditLog } from '#shared/adapters/dynamo/audit-log.ts';
import { buildDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { chainEntries } from '#shared/audit/chain.ts';
import type { ExportFormat, Manifest } from '#shared/audit/manifest.ts';
import { verifyExportFile } from '#shared/audit/verify.ts';
import { sha256Hex } from '#shared/canonical.ts';
import { loadConfig, type LocalConfig } from '#shared/config.ts';
import { addDays, isoDate } from '#shared/dates.ts';
import { newId } from '#shared/ids.ts';
import type { AuditEntry, AuditEvent } from '#shared/records.ts';
import { buildDeps, settingsFrom } from '#shared/runtime.ts';
import { ensureConfiguredTables, startDynamoLocal } from '../infra/local/dynamo-local.ts';
import { createLocalServer } from '../infra/local/server.ts';
import { expectedFailure, tamper, tamperKinds, type TamperPlan } from './lib/audit-tamper.ts';
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

async function seed(endpoint: string, table: string, entries: number, start: Date, end: Date): Promise<void> {
  const client = buildDocumentClient({ endpoint });
  const step = (end.getTime() - start.getTime()) / entries;
  let previous: AuditEntry | undefined;
  const batch = 2_500;
  for (let first = 0; first < entries; first += batch) {
    const items: Record<string, unknown>[] = [];
    for (let i = first; i < Math.min(entries, first + batch); i += 1) {
      previous = chainEntries(previous, [benchEvent(i)], new Date(start.getTime() + i * step))[0]!;
      items.push(auditItem(previous));
    }
    const groups = Array.from({ length: Math.ceil(items.length / 25) }, (_, g) => items.slice(g * 25, g * 25 + 25));
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
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
  client.destroy();
}

// ── the run ─────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      entries: { type: 'string', default: '100000' },
      'page-size': { type: 'string', default: '5000' },
      formats: { type: 'string', default: 'jsonl,csv' },
    },
  });
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

    console.log(`\nAudit export benchmark: ${entries} entries, page size ${pageSize}, ${cpus().length} cores, Node ${process.version}`);
    const now = new Date();
    const start = addDays(now, -30);
    let t0 = performance.now();
    await seed(dynamo.endpoint, config.AUDIT_TABLE, entries, start, new Date(now.getTime() - 60_000));
    console.log(
      `seed:   ${entries} chained entries BatchWritten in ${seconds(performance.now() - t0)} (${Math.round(entries / ((performance.now() - t0) / 1000))}/s)`,
    );

    const server = createLocalServer(deps, () => undefined);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const keyId = newId('key');
    const apiKey = `pg.${keyId}.${randomBytes(32).toString('base64url')}`;
    await deps.apiKeys.create({ keyId, secretSha256: sha256Hex(apiKey), role: 'auditor', label: 'bench', createdAt: now.toISOString() }, { events: [], now });
    const pem = await deps.signer.publicKeyPem();
    const key = { publicKeyPem: pem, keyId: deps.signer.keyId };

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
        JSON.stringify({ keyId: deps.signer.keyId, publicKeyPem: pem }),
        ...(exported.manifestPath ? ['--manifest', exported.manifestPath] : []),
      ]);
      console.log(
        `${format.padEnd(5)} verify: ${verified.entries} entries in ${seconds(verified.ms)}; peak RSS ${mb(verified.peakRss)} (at start ${mb(verified.baselineRss)})`,
      );
      console.log(`       verdict: ${verified.verdict}`);
      if (format === 'jsonl') jsonl = { file: out, manifest: exported.manifest as Manifest };
    }
    await new Promise((done) => server.close(done));

    if (jsonl) {
      const { manifest } = jsonl;
      const plan: TamperPlan = { manifest, target: manifest.firstSeq! + Math.floor(manifest.count / 2), tail: 10, networkSigner: deps.signer };
      console.log(`\ntampering (each on a copy of the jsonl file; entry cases at seq ${plan.target}, truncation drops the last ${plan.tail}):`);
      for (const kind of tamperKinds) {
        const copy = join(dataDir, `tampered-${kind}.jsonl`);
        const out = createWriteStream(copy);
        for await (const line of tamper(createInterface({ input: createReadStream(jsonl.file), crlfDelay: Infinity }), kind, plan)) {
          if (!out.write(`${line}\n`)) await once(out, 'drain');
        }
        out.end();
        await once(out, 'finish');
        t0 = performance.now();
        const result = await verifyExportFile(copy, { key });
        const expected = expectedFailure(kind, plan);
        const right = result.failure?.code === expected.code && result.failure?.seq === expected.seq;
        console.log(
          `  ${kind.padEnd(22)} ${right ? 'caught' : 'WRONG '} in ${seconds(performance.now() - t0)}: [${result.failure?.code ?? 'ok'}${result.failure?.seq === undefined ? '' : ` seq ${result.failure.seq}`}] ${result.failure?.message ?? 'VERIFIED'}`,
        );
        rmSync(copy);
      }
    }
  } finally {
    await dynamo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
