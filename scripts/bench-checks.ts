/**
 * `npm run bench:checks [-- --checks N --concurrency C --batches B]`: screening latency through
 * the local server over HTTP (localhost only) against a file-backed DynamoDB Local, as
 * `npm start` runs. Seeds a small network with published alerts, then times N checks (half
 * matching, half not) at each concurrency level and prints p50/p95/p99 and throughput; then B
 * batch checks of 100 bookings each, at concurrency 1 and 4, as bookings per second. The quota
 * is raised out of the way. Stops by itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadConfig, type LocalConfig } from '#shared/config.ts';
import { tableDefinitions } from '#shared/adapters/dynamo/tables.ts';
import { buildDeps } from '#shared/runtime.ts';
import { ensureTables, startDynamoLocal } from '../infra/local/dynamo-local.ts';
import { ensureAdminKey } from '../infra/local/admin-key.ts';
import { createLocalServer } from '../infra/local/server.ts';
import { apiClient } from '../test/support/api-client.ts';
import { alertBody, setUpNetwork } from '../test/support/story.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const checks = Number(args.get('checks') ?? 1000);
const levels = (args.get('concurrency') ?? '1,8').split(',').map(Number);
const alerts = Number(args.get('alerts') ?? 20);
const batches = Number(args.get('batches') ?? 20);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'peerguard-bench-'));
  const dynamo = await startDynamoLocal({ dbPath: join(dataDir, 'dynamodb') });
  try {
    const config = loadConfig({ PEERGUARD_RUNTIME: 'local', DATA_DIR: dataDir, DYNAMODB_ENDPOINT: dynamo.endpoint, LOG_LEVEL: 'ERROR', CHECKS_PER_MINUTE: '100000', CHECKS_PER_DAY: '10000000' }) as LocalConfig;
    await ensureTables(dynamo.endpoint, tableDefinitions.map((definition) => ({ definition, name: config[definition.configKey] })));
    const deps = buildDeps(config);
    const server = createLocalServer(deps, () => undefined);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const call = apiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const net = await setUpNetwork(call, (await ensureAdminKey(deps, dataDir)).apiKey);

    const phone = (i: number) => `+1 860 555 ${String(1000 + i).slice(-4)}`;
    for (let i = 0; i < alerts; i += 1) {
      const { body } = await call('POST', '/v1/alerts', { key: net.keys.harbourDesk.apiKey, body: alertBody(net.clause, { phone: phone(i), fullName: `Bench Client ${i}`, dateOfBirth: '1980-01-01' }) });
      for (const reviewer of [net.keys.elmReviewer, net.keys.valleyReviewer]) {
        await call('POST', `/v1/alerts/${body.alertId}/reviews`, { key: reviewer.apiKey, body: { decision: 'approve', reason: 'bench' } });
      }
    }

    console.log(`\nScreening benchmark: ${checks} checks per level, ${alerts} published alerts, ${cpus().length} cores, Node ${process.version}`);
    console.log('concurrency | p50 ms | p95 ms | p99 ms | checks/s | matches');
    for (const concurrency of levels) {
      const latencies: number[] = [];
      let matches = 0;
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < checks) {
            const i = next++;
            // Even checks hit a published alert (phone + name + date of birth), odd ones miss.
            const subject = i % 2 === 0 ? { phone: phone(i % alerts), fullName: `Bench Client ${i % alerts}`, dateOfBirth: '1980-01-01' } : { phone: phone(5000 + i), fullName: `Nobody ${i}`, dateOfBirth: '1990-01-01' };
            const t0 = performance.now();
            const answer = await call('POST', '/v1/checks', { key: net.keys.valleyDesk.apiKey, body: { subject } });
            latencies.push(performance.now() - t0);
            if (answer.status !== 200) throw new Error(`check answered ${answer.status}: ${answer.text}`);
            if (answer.body.result === 'match') matches += 1;
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const sorted = latencies.sort((a, b) => a - b);
      console.log(
        `${String(concurrency).padStart(11)} | ${percentile(sorted, 50).toFixed(1).padStart(6)} | ${percentile(sorted, 95).toFixed(1).padStart(6)} | ${percentile(sorted, 99).toFixed(1).padStart(6)} | ${(checks / seconds).toFixed(0).padStart(8)} | ${matches}`,
      );
    }

    console.log(`\nBatch screening: ${batches} batches of 100 bookings per level (half matching)`);
    console.log('concurrency | p50 ms per batch | bookings/s');
    for (const concurrency of [1, 4]) {
      const latencies: number[] = [];
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < batches) {
            const b = next++;
            const bookings = Array.from({ length: 100 }, (_, i) => {
              const n = b * 100 + i;
              const subject = i % 2 === 0 ? { phone: phone(n % alerts), fullName: `Bench Client ${n % alerts}`, dateOfBirth: '1980-01-01' } : { phone: phone(5000 + n), fullName: `Nobody ${n}`, dateOfBirth: '1990-01-01' };
              return { ref: `b${b}-${i}`, subject };
            });
            const t0 = performance.now();
            const answer = await call('POST', '/v1/checks/batch', { key: net.keys.valleyDesk.apiKey, body: { bookings } });
            latencies.push(performance.now() - t0);
            if (answer.status !== 200) throw new Error(`batch answered ${answer.status}: ${answer.text}`);
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const sorted = latencies.sort((a, b) => a - b);
      console.log(`${String(concurrency).padStart(11)} | ${percentile(sorted, 50).toFixed(1).padStart(16)} | ${((batches * 100) / seconds).toFixed(0).padStart(10)}`);
    }
    await new Promise((done) => server.close(done));
  } finally {
    await dynamo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
