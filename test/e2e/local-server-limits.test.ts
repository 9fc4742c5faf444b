import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeps } from '#shared/runtime.ts';
import type { Deps } from '#shared/deps.ts';
import { createLocalServer } from '../../infra/local/server.ts';
import { workingAdminKey } from '../../infra/local/admin-key.ts';
import { recordingLogger, type RecordingLogger } from '../fakes/deps.ts';
import { freshLocalConfig } from '../support/tables.ts';
import { apiClient } from '../support/api-client.ts';
import { setUpNetwork } from '../support/story.ts';

/**
 * The local server is not a soft target: credentials are checked before a body is read, a body
 * is cut at the 64 KiB cap, slow heads and slow bodies are cut off, connections are limited, and a
 * client that goes away mid-request is a log line, not an error. Each case talks raw TCP, so it
 * can stop sending where a client library never would, and waits only as long as the server's
 * (shortened) limits say it may.
 */
const limits = { headersTimeoutMs: 600, requestTimeoutMs: 1_500, keepAliveTimeoutMs: 500, maxConnections: 12 };
let server: Server;
let port: number;
let dataDir: string;
let logger: RecordingLogger;
let deps: Deps;
const serverLog: string[] = [];
let practiceKey: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'peerguard-limits-'));
  logger = recordingLogger();
  deps = buildDeps(await freshLocalConfig(dataDir), { logger });
  const adminKey = await workingAdminKey(deps, dataDir);
  server = createLocalServer(deps, (line) => serverLog.push(line), { limits });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  port = (server.address() as AddressInfo).port;
  const net = await setUpNetwork(apiClient(`http://127.0.0.1:${port}`), adminKey);
  practiceKey = net.keys.valleyDesk.apiKey;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  rmSync(dataDir, { recursive: true, force: true });
});

/** A socket that has sent `bytes` and then keeps quiet; resolves with what came back once the server answered or closed. */
function open(bytes: string | Buffer): { socket: Socket; answer: Promise<{ text: string; closedAfterMs: number }> } {
  const socket = connect(port, '127.0.0.1');
  const started = Date.now();
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const answer = new Promise<{ text: string; closedAfterMs: number }>((resolve) => {
    const done = () => resolve({ text: Buffer.concat(chunks).toString('utf8'), closedAfterMs: Date.now() - started });
    socket.on('close', done);
    socket.on('error', () => undefined);
  });
  socket.write(bytes);
  return { socket, answer };
}

/** The first answer's status line, once at least one full head has arrived (without waiting for the close). */
async function firstStatus(socket: Socket, timeoutMs: number): Promise<string> {
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const text = Buffer.concat(chunks).toString('latin1');
      if (text.includes('\r\n\r\n')) {
        clearTimeout(timer);
        resolve(text.split('\r\n')[0]!);
      }
    });
  });
}

const head = (lines: string[]) => `${[...lines, '', ''].join('\r\n')}`;

describe('the local server under a hostile client', () => {
  it('refuses an unknown key before reading the body (the body is never sent), and no route function runs', async () => {
    const { socket } = open(
      head([
        'POST /v1/checks HTTP/1.1',
        'Host: x',
        'Authorization: Bearer pg.key_00000000000000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        'Content-Type: application/json',
        'Content-Length: 60000',
      ]),
    );
    expect(await firstStatus(socket, 1_000)).toBe('HTTP/1.1 401 Unauthorized');
    socket.destroy();
    expect(serverLog.at(-1)).toMatch(/^POST \/v1\/checks 401 .*\(refused by the authorizer\)$/);
  });

  it('answers a declared body over the cap with 413 at once, and a chunked one the moment it passes the cap', async () => {
    const declared = open(
      head([
        'POST /v1/checks HTTP/1.1',
        'Host: x',
        `Authorization: Bearer ${practiceKey}`,
        'Content-Type: application/json',
        `Content-Length: ${10 * 1024 * 1024}`,
      ]),
    );
    expect(await firstStatus(declared.socket, 1_000)).toBe('HTTP/1.1 413 Payload Too Large');
    declared.socket.destroy();
    const chunk = Buffer.alloc(70 * 1024, 0x20);
    // 70 KiB of a chunked body, then nothing: the server must not wait for the end.
    const chunked = open(
      Buffer.concat([
        Buffer.from(
          head(['POST /v1/checks HTTP/1.1', 'Host: x', `Authorization: Bearer ${practiceKey}`, 'Content-Type: application/json', 'Transfer-Encoding: chunked']),
        ),
        Buffer.from(`${chunk.length.toString(16)}\r\n`),
        chunk,
        Buffer.from('\r\n'),
      ]),
    );
    expect(await firstStatus(chunked.socket, 1_000)).toBe('HTTP/1.1 413 Payload Too Large');
    chunked.socket.destroy();
  });

  it('cuts off a head that never ends, and a body that never ends, within their time limits', async () => {
    const slowHead = open('POST /v1/checks HTTP/1.1\r\nHost: x\r\n');
    const headAnswer = await slowHead.answer;
    expect(headAnswer.closedAfterMs).toBeLessThan(limits.headersTimeoutMs + 2_000);
    const slowBody = open(
      head(['POST /v1/checks HTTP/1.1', 'Host: x', `Authorization: Bearer ${practiceKey}`, 'Content-Type: application/json', 'Content-Length: 100']) +
        '{"subject":',
    );
    const bodyAnswer = await slowBody.answer;
    expect(bodyAnswer.closedAfterMs).toBeLessThan(limits.requestTimeoutMs + 2_000);
    expect(bodyAnswer.text).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('holds no more than its connection limit: the next connection is closed at once', async () => {
    const idle = Array.from({ length: limits.maxConnections }, () => open('GET /v1/health HTTP/1.1\r\nHost: x\r\n'));
    await new Promise((done) => setTimeout(done, 150));
    const extra = open('GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n');
    const answer = await extra.answer;
    expect(answer.text).toBe('');
    expect(answer.closedAfterMs).toBeLessThan(500);
    for (const { socket } of idle) socket.destroy();
    await new Promise((done) => setTimeout(done, 150));
    const after = await fetch(`http://127.0.0.1:${port}/v1/health`);
    expect(after.status).toBe(200);
  });

  it('a client that disconnects mid-body is a log line, not an ERROR', async () => {
    const errorsBefore = logger.lines.filter((line) => line.level === 'error').length;
    const leaving = open(
      head(['POST /v1/checks HTTP/1.1', 'Host: x', `Authorization: Bearer ${practiceKey}`, 'Content-Type: application/json', 'Content-Length: 100']) +
        '{"subject":',
    );
    await new Promise((done) => setTimeout(done, 200));
    leaving.socket.destroy();
    await new Promise((done) => setTimeout(done, 200));
    expect(logger.lines.filter((line) => line.level === 'error')).toHaveLength(errorsBefore);
    expect(serverLog.at(-1)).toMatch(/^POST \/v1\/checks \(the client went away\)/);
  });
});
