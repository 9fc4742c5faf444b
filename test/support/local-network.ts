import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { buildDeps } from '#shared/runtime.ts';
import type { Deps } from '#shared/deps.ts';
import type { LocalConfig } from '#shared/config.ts';
import { createLocalServer } from '../../infra/local/server.ts';
import { workingAdminKey } from '../../infra/local/admin-key.ts';
import { settableClock, type SettableClock } from '../fakes/deps.ts';
import { freshLocalConfig } from './tables.ts';
import { apiClient, type Call } from './api-client.ts';
import { typedClients } from './typed-client.ts';
import type { PeerguardClient } from '#client/peerguard-client.ts';
import { setUpNetwork } from './story.ts';

export interface LocalNetwork {
  /** Raw calls (any method, body or header), for hostile and malformed requests. */
  readonly call: Call;
  /** The typed client for an API key (none for the public routes). */
  readonly as: (apiKey?: string) => PeerguardClient;
  readonly baseUrl: string;
  readonly deps: Deps;
  /** The server's config (its tables in the shared DynamoDB Local), for a second server over the same data. */
  readonly config: LocalConfig;
  readonly clock: SettableClock;
  /** The local server's port on 127.0.0.1, for raw HTTP. */
  readonly port: number;
  readonly dataDir: string;
  readonly adminKey: string;
  readonly net: Awaited<ReturnType<typeof setUpNetwork>>;
  /** The server's one line per request (route, status, time, and who refused it when the route's function did not run). */
  readonly serverLog: string[];
  /** The notifications the local notifier wrote, one object per line. */
  notifications(): Record<string, unknown>[];
  stop(): Promise<void>;
}

/**
 * The local server over fresh tables in DynamoDB Local, with the real local adapters and a clock
 * the test moves by hand (nothing sleeps), and the three-practice network of story.ts set up.
 */
export async function startLocalNetwork(env: Record<string, string> = {}): Promise<LocalNetwork> {
  const dataDir = mkdtempSync(join(tmpdir(), 'peerguard-e2e-'));
  const clock = settableClock(new Date());
  const config = await freshLocalConfig(dataDir, env);
  const deps = buildDeps(config, { clock });
  const adminKey = await workingAdminKey(deps, dataDir);
  const serverLog: string[] = [];
  const server: Server = createLocalServer(deps, (line) => void serverLog.push(line));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  const call = apiClient(baseUrl);
  const net = await setUpNetwork(call, adminKey);
  const file = join(dataDir, 'notifications.jsonl');
  return {
    call,
    as: typedClients(baseUrl),
    baseUrl,
    deps,
    config,
    clock,
    port,
    dataDir,
    adminKey,
    net,
    serverLog,
    notifications: () =>
      existsSync(file)
        ? readFileSync(file, 'utf8')
            .trimEnd()
            .split('\n')
            .map((line) => JSON.parse(line) as Record<string, unknown>)
        : [],
    stop: async () => {
      await new Promise((done) => server.close(done));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
