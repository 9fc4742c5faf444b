import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { announcedUrl } from '../../scripts/lib/announced-url.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface LocalNetworkProcess {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  readonly output: () => string;
  /** Sends Ctrl-C (SIGINT) and waits for the process to exit. */
  stop(): Promise<number | null>;
}

/** Runs `npm start`'s entry point (infra/local/main.ts) as its own process, as a user would. */
export async function startLocalNetwork(env: Record<string, string>): Promise<LocalNetworkProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const baseUrl = await announcedUrl(child, () => output, 'npm start');
  return {
    child,
    baseUrl,
    output: () => output,
    stop: async () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}
