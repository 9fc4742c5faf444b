import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Where `npm run build:console` (run before `npm start`) puts the web console. */
export const defaultConsoleDir = fileURLToPath(new URL('../../dist/console', import.meta.url));

/**
 * The headers the console is served with, locally and (through CloudFront) in AWS: scripts and
 * styles from this origin only and never inline, no framing, no referrer.
 */
export const consoleSecurityHeaders: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/**
 * Serves the built console for GET/HEAD outside /v1: `/` is index.html, `/assets/*` the hashed
 * files (cached for a year). Returns false for anything it does not serve.
 */
export async function serveConsole(req: IncomingMessage, res: ServerResponse, pathname: string, dir = defaultConsoleDir): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (pathname.startsWith('/v1/') || pathname === '/v1') return false;
  const isIndex = pathname === '/' || pathname === '/index.html';
  if (!isIndex && !pathname.startsWith('/assets/')) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return false;
  }
  const relative = isIndex ? 'index.html' : normalize(decoded).replace(/^[/\\]+/, '');
  const file = join(dir, relative);
  if (!file.startsWith(dir + sep)) return false;
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    if (!isIndex) return false;
    body = Buffer.from(
      '<!doctype html><title>Peerguard</title><p>The web console is not built. Run <code>npm run build:console</code> (npm start does it for you).</p>',
    );
  }
  res.writeHead(200, {
    ...consoleSecurityHeaders,
    'Content-Type': types[extname(file)] ?? 'application/octet-stream',
    'Content-Length': String(body.length),
    'Cache-Control': isIndex ? 'no-cache' : 'public, max-age=31536000, immutable',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
