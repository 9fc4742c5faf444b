import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { buildDeps } from '#shared/runtime.ts';
import type { Deps } from '#shared/deps.ts';
import { createLocalServer } from '../../infra/local/server.ts';
import { apiClient, type Call } from './api-client.ts';
import type { LocalNetwork } from './local-network.ts';

export interface PeerServer {
  readonly call: Call;
  readonly deps: Deps;
  stop(): Promise<void>;
}

/**
 * A second local server over the same tables, keys and clock as `network`, with its own adapters
 * (its own DynamoDB client and audit-append queue): what a second Lambda container is in AWS.
 * Requests split between the two race each other in DynamoDB, not inside one process's queue.
 */
export async function startPeerServer(network: LocalNetwork): Promise<PeerServer> {
  const deps = buildDeps(network.config, { clock: network.clock });
  const server: Server = createLocalServer(deps, () => undefined);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    call: apiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    deps,
    stop: () => new Promise((done) => server.close(() => done())),
  };
}
