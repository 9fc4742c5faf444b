import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, type LocalConfig } from '#shared/config.ts';
import { buildDeps } from '#shared/runtime.ts';
import { runSweep } from '#shared/domain/sweep.ts';
import { errorName } from '#shared/errors.ts';
import { ensureConfiguredTables, startDynamoLocal, type RunningDynamoLocal } from './dynamo-local.ts';
import { adminKeyFile, ensureAdminKey } from './admin-key.ts';
import { createLocalServer } from './server.ts';
import { docsSiteDir, ensureDocsSite } from './docs-site.ts';
import { startAuditStreamPoller } from './audit-stream-poller.ts';

/**
 * `npm start`: the whole network on a laptop. DynamoDB Local (data in DATA_DIR/dynamodb),
 * local keys, a file notifier, and the same handlers as in Lambda behind a local HTTP server.
 */
async function main(): Promise<void> {
  const started = Date.now();
  const config = loadConfig({ ...process.env, PEERGUARD_RUNTIME: 'local' }) as LocalConfig;
  const dataDir = resolve(config.DATA_DIR);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  let dynamo: RunningDynamoLocal | undefined;
  const stop = async (code: number) => {
    await dynamo?.stop();
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => void stop(0));

  if (!config.DYNAMODB_ENDPOINT) {
    dynamo = await startDynamoLocal({ port: config.DYNAMODB_LOCAL_PORT || undefined, dbPath: join(dataDir, 'dynamodb') });
    // If we die unexpectedly, take DynamoDB Local with us.
    process.once('exit', () => dynamo?.process.kill('SIGKILL'));
  }
  const endpoint = config.DYNAMODB_ENDPOINT ?? dynamo!.endpoint;
  await ensureConfiguredTables(endpoint, config);

  const deps = buildDeps({ ...config, DATA_DIR: dataDir, DYNAMODB_ENDPOINT: endpoint });
  const admin = await ensureAdminKey(deps, dataDir);
  ensureDocsSite();
  const server = createLocalServer(deps, undefined, { authorizerCacheSeconds: config.AUTHORIZER_CACHE_SECONDS, docsDir: docsSiteDir });
  await new Promise<void>((done) => server.listen(config.PORT, config.HOST, done));
  // What the EventBridge schedule does in AWS: expire alerts and redeliver kept notifications.
  const sweep = () => runSweep(deps).catch((error: unknown) => deps.logger.error('sweep failed', { errorName: errorName(error) }));
  void sweep();
  setInterval(sweep, config.EXPIRY_SWEEP_MINUTES * 60_000).unref();
  // What the audit table's stream-triggered Lambda does in AWS: the write-once copy in DATA_DIR/audit-copy.
  startAuditStreamPoller(deps, { endpoint, table: config.AUDIT_TABLE, intervalMs: config.AUDIT_STREAM_POLL_MS });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;

  process.stdout.write(
    [
      '',
      `Peerguard is running at http://${config.HOST}:${port} (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
      `  web console:     http://${config.HOST}:${port}/  (sign in with the admin API key below)`,
      `  data folder:     ${dataDir}  (write-once audit copy in ${join(dataDir, 'audit-copy')})`,
      `  DynamoDB Local:  ${endpoint}`,
      `  admin API key:   ${admin.apiKey}${admin.created ? `  (new; also in ${adminKeyFile(dataDir)})` : `  (from ${adminKeyFile(dataDir)})`}`,
      `  API reference:   http://${config.HOST}:${port}/docs  (OpenAPI document: /v1/openapi.json)`,
      `  try:             curl -s http://${config.HOST}:${port}/v1/health`,
      'Press Ctrl-C to stop (DynamoDB Local stops too).',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`Peerguard could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
