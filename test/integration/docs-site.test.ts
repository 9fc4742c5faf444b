import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalServer } from '../../infra/local/server.ts';
import { buildDocsSite } from '../../infra/local/docs-site.ts';
import { buildTestDeps } from '../fakes/deps.ts';

/** The API reference as the local server serves it at /docs: self-hosted files, under a strict CSP. */
let server: Server;
let base: string;
const dir = mkdtempSync(join(tmpdir(), 'peerguard-docs-'));

beforeAll(async () => {
  buildDocsSite(dir);
  server = createLocalServer(buildTestDeps(), () => undefined, { docsDir: dir });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((done) => server.close(done));
  rmSync(dir, { recursive: true, force: true });
});

describe('/docs', () => {
  it('serves the reference page with a CSP that allows no inline script and nothing from elsewhere', async () => {
    const redirect = await fetch(`${base}/docs`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/docs/');
    const page = await fetch(`${base}/docs/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    const html = await page.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // every script is a file
    expect(html).not.toMatch(/https?:\/\//); // nothing from a CDN
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((match) => match[1]);
    expect(scripts).toEqual(['swagger-ui-bundle.js', 'reference.js']);
  });

  it('serves every file the page loads, and the document it renders', async () => {
    for (const file of ['swagger-ui-bundle.js', 'reference.js', 'swagger-ui.css', 'favicon-32x32.png']) {
      const answer = await fetch(`${base}/docs/${file}`);
      expect(answer.status, file).toBe(200);
    }
    const document = (await (await fetch(`${base}/docs/openapi.json`)).json()) as { openapi: string };
    expect(document.openapi).toBe('3.1.0');
    expect(await (await fetch(`${base}/docs/reference.js`)).text()).toContain("url: 'openapi.json'");
  });

  it('serves nothing else from the folder or outside it', async () => {
    for (const path of ['/docs/..%2Fpackage.json', '/docs/.hidden.js', '/docs/missing.js', '/docs/sub/index.html']) {
      expect((await fetch(`${base}${path}`)).status, path).toBe(404);
    }
  });
});
