import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MemorySample } from './soak-reconcile.ts';
import { assertLoopback } from './soak-reconcile.ts';
import { announcedUrl } from './announced-url.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const probe = fileURLToPath(new URL('./memory-probe.ts', import.meta.url));

/** Settings the soak must not inherit from the caller's shell: it runs its own fresh network. */
const inheritedConfig = [
  'PEERGUARD_RUNTIME',
  'PORT',
  'HOST',
  'DATA_DIR',
  'DYNAMODB_ENDPOINT',
  'DYNAMODB_LOCAL_PORT',
  'API_KEYS_TABLE',
  'MAIN_TABLE',
  'TOKEN_TABLE',
  'AUDIT_TABLE',
  'CHECKS_PER_MINUTE',
  'CHECKS_PER_DAY',
  'GUESSES_PER_DAY',
  'AUDIT_EXPORT_PAGE_SIZE',
  'EXPIRY_SWEEP_MINUTES',
  'AUTHORIZER_CACHE_SECONDS',
  'LOG_LEVEL',
];

export interface SoakServer {
  readonly baseUrl: string;
  readonly adminKey: string;
  readonly pid: number;
  /** The server process's own memory, asked over IPC. */
  memory(): Promise<Omit<MemorySample, 't'>>;
  /** The last lines the server printed (for a failure report). */
  tail(): string;
  /** Ctrl-C, as a user would; SIGKILL if it has not exited after 15 s. */
  stop(): Promise<void>;
}

/**
 * Runs `npm start`'s entry point (infra/local/main.ts) as its own process on a random port of
 * 127.0.0.1, with a fresh data folder and its own DynamoDB Local, the screening quota raised out
 * of the load's way.
 */
export async function startSoakServer(dataDir: string, env: Record<string, string>): Promise<SoakServer> {
  const childEnv: Record<string, string | undefined> = { ...process.env };
  for (const name of inheritedConfig) delete childEnv[name];
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', '--import', probe, 'infra/local/main.ts'], {
    cwd: root,
    env: { ...childEnv, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'WARN', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  // Keep only the end of the output: the server logs a line per request.
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));

  const baseUrl = await announcedUrl(child, () => output, 'the local server');
  assertLoopback(baseUrl);

  let waiting: ((sample: Omit<MemorySample, 't'>) => void)[] = [];
  child.on('message', (message: { type?: string; rss?: number; heapUsed?: number }) => {
    if (message.type !== 'memory') return;
    const answered = waiting;
    waiting = [];
    for (const done of answered) done({ rss: message.rss!, heapUsed: message.heapUsed! });
  });

  return {
    baseUrl,
    adminKey: readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim(),
    pid: child.pid!,
    memory: () =>
      new Promise((resolve) => {
        waiting.push(resolve);
        child.send('memory');
      }),
    tail: () => output.split('\n').slice(-20).join('\n'),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
