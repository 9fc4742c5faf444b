import { connect } from 'node:net';
import { assertDocumented } from './openapi-check.ts';

/** An HTTP answer as bytes on the wire became: status, lower-cased headers, body text. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * One HTTP/1.1 request written byte for byte on a fresh socket (no client library to tidy it
 * up): any method and target, header values sent as UTF-8 bytes, any body bytes. `head`
 * replaces the whole request head when a test needs one no client would write.
 */
export function rawRequest(
  port: number,
  request: { method?: string; target?: string; headers?: readonly (readonly [string, string])[]; body?: Buffer; head?: Buffer },
): Promise<RawAnswer> {
  const body = request.body ?? Buffer.alloc(0);
  const head =
    request.head ??
    Buffer.from(
      [
        `${request.method} ${request.target} HTTP/1.1`,
        'Host: 127.0.0.1',
        'Connection: close',
        ...(request.headers ?? []).map(([name, value]) => `${name}: ${value}`),
        ...(body.length > 0 ? [`Content-Length: ${body.length}`] : []),
        '',
        '',
      ].join('\r\n'),
      'utf8',
    );
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // The server may answer and close before it has read everything we sent.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') finish();
      else reject(error);
    });
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      try {
        const answer = parse(Buffer.concat(chunks));
        // Even a hostile request's answer is checked against docs/openapi.json.
        const [method, target] = requestLine(request.method, request.target, head);
        assertDocumented({ method, target, status: answer.status, contentType: answer.headers['content-type'], body: answer.body });
        resolve(answer);
      } catch (error) {
        reject(error);
      }
    };
    socket.on('end', finish);
    socket.on('close', finish);
    socket.write(Buffer.concat([head, body]));
  });
}

/** The method and target a request was sent with (read back from a hand-written head: '' when it has none). */
function requestLine(method: string | undefined, target: string | undefined, head: Buffer): [string, string] {
  if (method !== undefined && target !== undefined) return [method, target];
  const [sentMethod = '', sentTarget = ''] = head
    .subarray(0, Math.max(0, head.indexOf('\r\n')))
    .toString('latin1')
    .split(' ');
  return [sentMethod, sentTarget];
}

function parse(bytes: Buffer): RawAnswer {
  const split = bytes.indexOf('\r\n\r\n');
  if (split < 0) throw new Error(`no HTTP answer: ${JSON.stringify(bytes.toString('latin1').slice(0, 200))}`);
  const [statusLine, ...lines] = bytes.subarray(0, split).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = bytes.subarray(split + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
  return { status, headers, body: body.toString('utf8') };
}

function dechunk(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const end = bytes.indexOf('\r\n', at);
    const size = parseInt(bytes.subarray(at, end).toString('latin1'), 16);
    if (!size) return Buffer.concat(parts);
    parts.push(bytes.subarray(end + 2, end + 2 + size));
    at = end + 2 + size + 2;
  }
}
