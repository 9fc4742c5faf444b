import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Context } from 'aws-lambda';
import type { Deps } from '#shared/deps.ts';
import { routeKey, routes, type RouteDefinition } from '#shared/routes.ts';
import { problem, problemResponse } from '#functions/http/problem.ts';
import type { HttpEvent, HttpResult } from '#functions/http/group-handler.ts';
import { decodeUtf8, maxBodyBytes } from '#functions/http/request.ts';
import { UnauthorizedError } from '#shared/errors.ts';
import { localHandlers } from './handlers.ts';
import { cachedAuthorizer } from './authorizer-cache.ts';
import { serveConsole } from './console-static.ts';
import { docsContentSecurityPolicy } from './docs-site.ts';

/** The API's body cap: a body is cut (and answered 413) the moment it goes past it. */
const maxRequestBytes = maxBodyBytes;

/** What one slow or greedy client may hold of the local server. */
export interface ServerLimits {
  /** Time to send the whole request head. */
  readonly headersTimeoutMs: number;
  /** Time to send the whole request, head and body. */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  readonly keepAliveTimeoutMs: number;
  /** Open connections at once; more are closed as they arrive. */
  readonly maxConnections: number;
}

export const defaultServerLimits: ServerLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 256 };

interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly pattern: RegExp;
  readonly names: string[];
}

const compiled: CompiledRoute[] = routes.map((route: RouteDefinition) => {
  const names: string[] = [];
  const source = route.path.replace(/\{(\w+)\}/g, (_match, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), names };
});

export interface LocalServerOptions {
  /** How long a valid key's authorizer answer is remembered, as API Gateway's `resultsCacheTtl` (60 s) does; 0 for never. */
  readonly authorizerCacheSeconds?: number;
  /** The built web console served at `/` (default dist/console). */
  readonly consoleDir?: string;
  /** A folder with the API reference (dist/docs, infra/local/docs-site.ts), served at /docs. */
  readonly docsDir?: string;
  readonly limits?: Partial<ServerLimits>;
}

/**
 * The laptop's API Gateway: matches each request against the route table, runs the Lambda
 * authorizer BEFORE reading the body (its answer for a valid key cached as API Gateway caches it,
 * and forgotten the moment that key is revoked here; a refused key never reaches a route's
 * function), reads the body up to the 64 KiB cap and no further, builds the same HTTP API v2
 * event and calls the same middy handler. Slow clients are cut off (`limits`: time for the head
 * and for the whole request, idle keep-alive, open connections). Logs one line per request,
 * never a body; a client that disconnects mid-request is a log line, not an error.
 */
export function createLocalServer(
  deps: Deps,
  log: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  options: LocalServerOptions = {},
): Server {
  // A key revoked through this server's store is forgotten by its authorizer cache at once.
  const apiKeys: Deps['apiKeys'] = {
    ...deps.apiKeys,
    revoke: async (keyId, at, audit) => {
      const revoked = await deps.apiKeys.revoke(keyId, at, audit);
      if (revoked) authorizer.forgetKey(keyId);
      return revoked;
    },
  };
  const handlers = localHandlers({ ...deps, apiKeys });
  const { groups } = handlers;
  const authorizer = cachedAuthorizer(handlers.authorizer, options.authorizerCacheSeconds ?? 60);

  const limits = { ...defaultServerLimits, ...options.limits };
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often Node looks for requests over their time limits (its default is 30 s).
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, limits.headersTimeoutMs / 4)),
    },
    (req, res) => {
      const started = process.hrtime.bigint();
      const requestId = randomUUID();
      // Never the raw path: a path that is no route may carry anything (the AWS access log leaves it out too).
      let label = `${req.method ?? '?'} (no route)`;
      const elapsed = () => `${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(1)}ms`;
      /** Answers; `bodyUnread` when the answer comes before the body was read (it is then discarded, never parsed). */
      const finish = (result: HttpResult, note = '', bodyUnread = false) => {
        if (bodyUnread) discardBody(req, res);
        send(res, result);
        log(`${label} ${result.statusCode ?? 200} ${elapsed()}${note}`);
      };
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        if (options.docsDir && req.method === 'GET' && /^\/docs(\/|$)/.test(url.pathname)) {
          label = 'GET /docs';
          return finish(await docsFile(options.docsDir, url.pathname, requestId), '', true);
        }
        if (await serveConsole(req, res, url.pathname, options.consoleDir)) {
          log(`${req.method} (web console) 200 ${elapsed()}`);
          return;
        }
        const matched = match(req.method ?? '', url.pathname);
        if (!matched) return finish(problem(404, 'not-found', 'Not found', 'There is no such route.', requestId), '', true);
        label = routeKey(matched.route);
        const headers = headersOf(req);
        let context: HttpEvent['requestContext']['authorizer'] = { lambda: { authenticated: 'false' } };
        // Credentials first, as API Gateway does: a request without a valid key is answered before its body is read.
        if (matched.route.auth === 'apiKey') {
          // As API Gateway does when the identity source is missing: 401 without calling the authorizer.
          if (!headers.authorization) {
            return finish(
              problem(401, 'unauthorized', 'A valid API key is required', 'Send "Authorization: Bearer <api key>".', requestId, undefined, {
                'WWW-Authenticate': 'Bearer realm="peerguard"',
              }),
              ' (no key)',
              true,
            );
          }
          const decision = await authorizer.authorize({ headers, identitySource: [headers.authorization] });
          // Refused by the authorizer: no route's function runs (in AWS, API Gateway answers it).
          if (!decision.isAuthorized)
            return finish(
              problemResponse(new UnauthorizedError('This API key is unknown or has been revoked.'), requestId, deps.logger),
              ' (refused by the authorizer)',
              true,
            );
          context = { lambda: decision.context };
        }
        const declared = Number(req.headers['content-length'] ?? 0);
        if (declared > maxRequestBytes) return finish(tooLarge(requestId), '', true);
        const body = await readBody(req);
        if (body === 'gone') return log(`${label} (the client went away) ${elapsed()}`);
        if (body === 'too-large') return finish(tooLarge(requestId), '', true);
        const event = toEvent(req, headers, url, matched, body, requestId);
        event.requestContext.authorizer = context;
        const result = await groups[matched.route.group](event, lambdaContext(requestId, matched.route.group));
        if (res.destroyed) return log(`${label} (the client went away) ${elapsed()}`);
        finish(result);
      })().catch((error: unknown) => finish(problemResponse(error, requestId, deps.logger)));
    },
  );
  server.maxConnections = limits.maxConnections;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => answerUnparsable(error, socket, log));
  return server;
}

const docsTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
};

/** A file of the API reference, under a strict Content-Security-Policy; only the files the site has. */
async function docsFile(dir: string, pathname: string, requestId: string): Promise<HttpResult> {
  if (pathname === '/docs') return { statusCode: 308, headers: { Location: '/docs/', 'Cache-Control': 'no-store' } };
  const name = pathname.slice('/docs/'.length) || 'index.html';
  const type = docsTypes[extname(name)];
  if (!/^[\w.-]+$/.test(name) || name.startsWith('.') || !type) return problem(404, 'not-found', 'Not found', 'There is no such page.', requestId);
  try {
    const bytes = await readFile(join(dir, name));
    return {
      statusCode: 200,
      headers: { 'Content-Type': type, 'Content-Security-Policy': docsContentSecurityPolicy, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' },
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    };
  } catch {
    return problem(404, 'not-found', 'Not found', 'There is no such page (run npm run build:docs).', requestId);
  }
}

const tooLarge = (requestId: string) =>
  problem(413, 'payload-too-large', 'The request body is too large', `Bodies are limited to ${maxBodyBytes} bytes (64 KiB).`, requestId);

/**
 * After an answer given before the body was read: the rest of the body is thrown away unread,
 * and the connection is closed (a body past the cap, or one that never ends, is not waited for).
 */
function discardBody(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete) return;
  if (!res.headersSent) res.setHeader('Connection', 'close');
  let seen = 0;
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > maxRequestBytes) req.socket.destroy();
  });
  req.on('error', () => undefined);
  req.resume();
  // Let the answer reach the client before the socket goes (closing on unread bytes would reset it).
  res.once('finish', () => setTimeout(() => req.socket.destroy(), 1_000).unref());
}

/**
 * Bytes that are not an HTTP/1.1 request (a bad request line, a header name with a space, a
 * head over Node's 16 KiB limit, a broken chunk) never reach a route. Node's own answer is a bare
 * 400 or 431; this one is a problem document like every other refusal, quoting nothing it was sent.
 */
function answerUnparsable(error: NodeJS.ErrnoException, socket: Duplex, log: (line: string) => void): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const tooSlow = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  const result = tooLarge
    ? problem(
        431,
        'headers-too-large',
        'The request headers are too large',
        'Headers are limited to 16 KiB in all; send the API key and the usual headers only.',
        randomUUID(),
      )
    : tooSlow
      ? problem(
          408,
          'request-timeout',
          'The request took too long to arrive',
          'Send the whole request (head and body) at once; slow requests are cut off.',
          randomUUID(),
        )
      : problem(
          400,
          'malformed-request',
          'The request is not valid HTTP',
          'The request line, a header or the body framing could not be read as HTTP/1.1.',
          randomUUID(),
        );
  const body = Buffer.from(result.body ?? '', 'utf8');
  const reason = tooLarge ? 'Request Header Fields Too Large' : tooSlow ? 'Request Timeout' : 'Bad Request';
  const head = [`HTTP/1.1 ${result.statusCode} ${reason}`, 'Connection: close', `Content-Length: ${body.length}`];
  for (const [name, value] of Object.entries(result.headers ?? {})) head.push(`${name}: ${String(value)}`);
  socket.end(Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body]));
  log(`(unparsable request) ${result.statusCode}`);
}

function match(method: string, path: string): { route: RouteDefinition; params: Record<string, string> } | undefined {
  for (const { route, pattern, names } of compiled) {
    if (route.method !== method) continue;
    const found = pattern.exec(path);
    if (!found) continue;
    const params: Record<string, string> = {};
    names.forEach((name, i) => (params[name] = safeDecode(found[i + 1]!)));
    return { route, params };
  }
  return undefined;
}

const safeDecode = (value: string) => {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
};

/** The body, cut at the cap: reading stops the moment it goes past it. `gone` when the client left first. */
function readBody(req: IncomingMessage): Promise<Buffer | 'too-large' | 'gone'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxRequestBytes) return void chunks.push(chunk);
      req.off('data', onData);
      req.pause();
      resolve('too-large');
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    // A client that disconnects mid-request is not an error of ours.
    req.once('error', () => resolve('gone'));
    req.once('close', () => {
      if (!req.complete) resolve('gone');
    });
  });
}

/** Header names lower-cased, in a Map then as own properties: a header named `__proto__` stays a key, as in API Gateway's JSON event. */
function headersOf(req: IncomingMessage): Record<string, string> {
  const headerValues = new Map<string, string>();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headerValues.set(name.toLowerCase(), Array.isArray(value) ? value.join(',') : value);
  }
  return Object.fromEntries(headerValues);
}

function toEvent(
  req: IncomingMessage,
  headers: Record<string, string>,
  url: URL,
  matched: { route: RouteDefinition; params: Record<string, string> },
  body: Buffer,
  requestId: string,
): HttpEvent {
  // A Map, then own properties: a query parameter named `__proto__` stays a key, as it does in API Gateway's JSON event.
  const queryValues = new Map<string, string>();
  for (const [name, value] of url.searchParams) queryValues.set(name, queryValues.has(name) ? `${queryValues.get(name)},${value}` : value);
  const query: Record<string, string> = Object.fromEntries(queryValues);
  const key = routeKey(matched.route);
  const now = new Date();
  // API Gateway base64-encodes what it does not treat as text; so do we, so invalid UTF-8 reaches the handler intact.
  const base64 = body.length > 0 && (!/json|text/i.test(headers['content-type'] ?? 'application/json') || decodeUtf8(body) === undefined);
  return {
    version: '2.0',
    routeKey: key,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: Object.keys(matched.params).length ? matched.params : undefined,
    body: body.length ? body.toString(base64 ? 'base64' : 'utf8') : undefined,
    isBase64Encoded: base64,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: matched.route.method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: key,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      authorizer: { lambda: { authenticated: 'false' } },
    },
  } as HttpEvent;
}

function send(res: ServerResponse, result: HttpResult): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  const body = result.body === undefined ? undefined : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(body);
}

function lambdaContext(requestId: string, group: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `peerguard-${group}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:peerguard-${group}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/peerguard-${group}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
