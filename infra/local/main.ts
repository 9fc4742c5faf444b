import { mkdirSync } from 'node:fs';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { join, resolve } from 'node:path';
import { loadConfig, type LocalConfig } from '#shared/config.ts';
import { buildDeps } from '#shared/runtime.ts';
import { runSweep } from '#shared/domain/sweep.ts';
import { sendMatchDigests } from '#shared/domain/match-digest.ts';
import { errorName } from '#shared/errors.ts';
import { ensureConfiguredTables, startDynamoLocal, type RunningDynamoLocal } from './dynamo-local.ts';
import { adminKeyFile, ensureAdminKey, type LocalAdminKey } from './admin-key.ts';
import { createLocalServer } from './server.ts';
import { docsSiteDir, ensureDocsSite } from './docs-site.ts';

/**
 * `npm start`: the whole network on a laptop. DynamoDB Local (data in DATA_DIR/dynamodb),
 * local keys, a file notifier, and the same handlers as in Lambda behind a local HTTP server.
 */
async function main(): Promise<void> {
  const started = Date.now();
  const config = loadConfig({ ...process.env, PEERGUARD_RUNTIME: 'local' }) as LocalConfig;
  // The port first: if it is taken, say so in one sentence before anything is created.
  const placeholder = await claimPort(config.PORT, config.HOST);
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
  const claimed = placeholder.address();
  await new Promise<void>((done) => placeholder.close(() => done()));
  await new Promise<void>((done, fail) => {
    server.once('error', (error: NodeJS.ErrnoException) => fail(new StartError(portProblem(error, config.PORT, config.HOST) ?? error.message)));
    server.listen(typeof claimed === 'object' && claimed ? claimed.port : config.PORT, config.HOST, done);
  });
  // What the EventBridge schedule does in AWS: expire alerts and redeliver kept notifications.
  const sweep = () => runSweep(deps).catch((error: unknown) => deps.logger.error('sweep failed', { errorName: errorName(error) }));
  void sweep();
  setInterval(sweep, config.EXPIRY_SWEEP_MINUTES * 60_000).unref();
  // What the daily EventBridge schedule does in AWS: the reporters' match digests, from MATCH_DIGEST_HOUR_UTC on
  // (checked hourly; each alert's day is digested once, however often this runs).
  const digests = () => {
    if (new Date().getUTCHours() < config.MATCH_DIGEST_HOUR_UTC) return;
    sendMatchDigests(deps).catch((error: unknown) => deps.logger.error('match digests failed', { errorName: errorName(error) }));
  };
  digests();
  setInterval(digests, 3_600_000).unref();
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;

  process.stdout.write(
    [
      '',
      `Peerguard is running at http://${config.HOST}:${port} (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
      `  web console:     http://${config.HOST}:${port}/  (sign in with the admin API key below)`,
      `  data folder:     ${dataDir}`,
      `  DynamoDB Local:  ${endpoint}`,
      `  admin API key:   ${adminLine(admin, dataDir, endpoint)}`,
      `  API reference:   http://${config.HOST}:${port}/docs  (OpenAPI document: /v1/openapi.json)`,
      `  try:             curl -s http://${config.HOST}:${port}/v1/health`,
      'Press Ctrl-C to stop (DynamoDB Local stops too).',
      '',
    ].join('\n'),
  );
}

function adminLine(admin: LocalAdminKey, dataDir: string, endpoint: string): string {
  if (admin.apiKey === undefined) {
    return `none: the key in ${adminKeyFile(dataDir)} (${admin.revokedKeyId}) was revoked, and a revoked key is not replaced by itself. Make a new one with: DYNAMODB_ENDPOINT=${endpoint} npm run admin -- create-key --role admin --out ${adminKeyFile(dataDir)}`;
  }
  return `${admin.apiKey}${admin.created ? `  (new; also in ${adminKeyFile(dataDir)})` : `  (from ${adminKeyFile(dataDir)})`}`;
}

/** A reason not to start that is the user's to fix: one sentence, no stack trace. */
class StartError extends Error {}

/** The sentence for a port the server cannot have, or undefined for any other failure. */
function portProblem(error: NodeJS.ErrnoException, port: number, host: string): string | undefined {
  if (error.code === 'EADDRINUSE') return `port ${port} is in use; set PORT to a free port (or 0 for any)`;
  if (error.code === 'EACCES') return `port ${port} needs privileges this user lacks; set PORT to 1024 or above`;
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
    return `HOST ${host} is not an address of this machine; set HOST (127.0.0.1 keeps the server to this machine)`;
  return undefined;
}

/** Holds the port (a bare listener) while the rest starts, so a taken port is known before anything is created. */
function claimPort(port: number, host: string): Promise<NetServer> {
  return new Promise((done, fail) => {
    const placeholder = createNetServer();
    placeholder.once('error', (error: NodeJS.ErrnoException) => fail(new StartError(portProblem(error, port, host) ?? error.message)));
    placeholder.listen(port, host, () => done(placeholder));
  });
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`Peerguard could not start: ${message}${error instanceof StartError ? '.' : ''}\n`);
  process.exit(1);
});
