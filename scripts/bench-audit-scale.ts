/**
 * `npm run bench:audit-scale [-- --duration 10 --latency 8 --writers 1,8,32,64 --chains 256]`: the
 * section "audit under realistic storage latency" of `npm run bench`, alone, against its own
 * in-memory DynamoDB Local (see scripts/bench/audit-scale.ts for what is measured). `--chains`
 * is AUDIT_CHAINS (default: the configuration's); `--chains 1` measures the one-chain layout of before.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '#shared/config.ts';
import { ensureTables, startDynamoLocal } from '../infra/local/dynamo-local.ts';
import { auditTable, mainTable } from '#shared/adapters/dynamo/tables.ts';
import { measureAuditScale, renderAuditScale } from './bench/audit-scale.ts';

const { values } = parseArgs({
  options: { duration: { type: 'string' }, latency: { type: 'string' }, writers: { type: 'string' }, chains: { type: 'string' }, json: { type: 'boolean' } },
});
const seconds = Number(values.duration ?? 10);
const latencyMs = Number(values.latency ?? 8);
const writers = (values.writers ?? '1,8,32,64')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
// Validated as the configuration validates AUDIT_CHAINS (1 to 1,000), with its default.
const { AUDIT_CHAINS: chains } = loadConfig({ PEERGUARD_RUNTIME: 'local', ...(values.chains ? { AUDIT_CHAINS: values.chains } : {}) });
if (!(seconds > 0) || !(latencyMs >= 0) || writers.length === 0)
  throw new Error('usage: npm run bench:audit-scale -- [--duration <s>] [--latency <ms>] [--writers 1,8,32,64] [--chains <1..1000>] [--json]');

const dynamo = await startDynamoLocal();
try {
  await ensureTables(dynamo.endpoint, [
    { definition: auditTable, name: 'bench-audit' },
    { definition: mainTable, name: 'bench-main' },
  ]);
  const report = await measureAuditScale({
    endpoint: dynamo.endpoint,
    auditTable: 'bench-audit',
    mainTable: 'bench-main',
    writers,
    seconds,
    latencyMs,
    chains,
    dynamoPid: dynamo.process.pid,
    log: (line) => process.stderr.write(`[bench] ${line}\n`),
  });
  console.log(values.json ? JSON.stringify(report, null, 2) : renderAuditScale(report));
} finally {
  await dynamo.stop();
}
