import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleSecurityHeaders, serveConsole } from '../../infra/local/console-static.ts';

/** The local server's console files: `/` and `/assets/*` only, with the strict headers, never a file outside the build. */
let dir: string;
let server: Server;
let base: string;

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'peerguard-static-'));
  dir = join(root, 'console');
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(dir, 'assets', 'app-1234.js'), 'console.info(1)');
  writeFileSync(join(root, 'secret.txt'), 'outside the build');
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    void serveConsole(req, res, url.pathname, dir).then((served) => {
      if (!served) res.writeHead(404).end('not served');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((done) => server.close(done));
  rmSync(join(dir, '..'), { recursive: true, force: true });
});

describe('serveConsole', () => {
  it('serves index.html at / with the Content-Security-Policy and no caching', async () => {
    const answer = await fetch(`${base}/`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(answer.headers.get('cache-control')).toBe('no-cache');
    for (const [name, value] of Object.entries(consoleSecurityHeaders)) expect(answer.headers.get(name)).toBe(value);
    expect(answer.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(answer.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(await answer.text()).toContain('<title>console</title>');
  });

  it('serves hashed assets for a year, with their type', async () => {
    const answer = await fetch(`${base}/assets/app-1234.js`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(answer.headers.get('cache-control')).toContain('immutable');
  });

  it('serves nothing else: no missing asset, no other path, no file outside the build, no API path, no write', async () => {
    for (const path of [
      '/assets/missing.js',
      '/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/assets/%E0%A4%A',
      '/v1/health',
      '/favicon.ico',
    ]) {
      const answer = await fetch(`${base}${path}`);
      expect(answer.status, path).toBe(404);
      expect(await answer.text(), path).toBe('not served');
    }
    expect((await fetch(`${base}/`, { method: 'POST', body: 'x' })).status).toBe(404);
  });
});
