import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { buildPracticeStore } from '#shared/adapters/dynamo/simple-stores.ts';
import { buildAuditLog } from '#shared/adapters/dynamo/audit-log.ts';
import { DependencyUnavailableError } from '#shared/errors.ts';

/**
 * The real document client (real HTTP handler, real retries) against a "database" that accepts
 * connections and then never answers, or drops every connection: each must end as a 503 with
 * Retry-After instead of a request that waits until the Lambda times out.
 */
const servers: Server[] = [];
const sockets: Socket[] = [];

async function listen(onConnection: (socket: Socket) => void): Promise<string> {
  const server = createServer((socket) => {
    sockets.push(socket);
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

const practicesAt = (endpoint: string) => {
  const client = buildDocumentClient({ endpoint });
  return buildPracticeStore(client, 'main', buildAuditLog(client, 'audit'));
};

describe('the DynamoDB client bounds every attempt', () => {
  it('a database that accepts the connection and never answers is a 503 (TimeoutError), not a hung request', async () => {
    const endpoint = await listen(() => undefined);
    const error = await practicesAt(endpoint)
      .get('prc_x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ kind: 'dependency_unavailable', retryAfterSeconds: 2, cause: { name: 'TimeoutError' } });
    expect(sockets.length, 'the SDK tried three times').toBe(3);
  });

  it('a database that drops every connection is a 503 (ECONNRESET)', async () => {
    const endpoint = await listen((socket) => socket.once('data', () => socket.resetAndDestroy()));
    const error = await practicesAt(endpoint)
      .get('prc_x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ kind: 'dependency_unavailable', cause: { code: 'ECONNRESET' } });
  });

  it('a database that is not listening is a 503 (ECONNREFUSED)', async () => {
    const endpoint = await listen(() => undefined);
    await new Promise((done) => servers.pop()!.close(done));
    const error = await practicesAt(endpoint)
      .get('prc_x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ kind: 'dependency_unavailable', cause: { code: 'ECONNREFUSED' } });
  });
});
