import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `npm start` on a port that is already taken says so in one sentence, exits, and creates
 * nothing: no data folder, no DynamoDB Local, no key.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
let busy: Server;
let port: number;
let parent: string;

beforeAll(async () => {
  parent = mkdtempSync(join(tmpdir(), 'peerguard-start-'));
  busy = createServer();
  await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
  port = (busy.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((done) => busy.close(done));
  rmSync(parent, { recursive: true, force: true });
});

describe('npm start', () => {
  it('on a port in use: one sentence naming the port and PORT, exit 1, nothing created', async () => {
    const dataDir = join(parent, 'data');
    const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
      cwd: root,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DYNAMODB_ENDPOINT: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    expect(code).toBe(1);
    expect(stderr.replace(/\(node:\d+\) .*\n(.*\n)*?\(Use `node --trace-warnings.*\n/g, '')).toBe(
      `Peerguard could not start: port ${port} is in use; set PORT to a free port (or 0 for any).\n`,
    );
    expect(stdout).toBe('');
    expect(existsSync(dataDir)).toBe(false);
  }, 60_000);
});
