import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildDeps } from '#shared/runtime.ts';
import type { Deps } from '#shared/deps.ts';
import { createLocalServer } from '../../infra/local/server.ts';
import { workingAdminKey } from '../../infra/local/admin-key.ts';
import { runLoad, setUpSoakNetwork } from '../../scripts/lib/soak-load.ts';
import { reconcileAudit, type RecordedRequest } from '../../scripts/lib/soak-reconcile.ts';
import { freshLocalConfig } from '../support/tables.ts';
import { intactChain } from '../support/audit-chain.ts';

/**
 * The soak's load and reconciliation for a few seconds, in-process against the local server over
 * the run's DynamoDB Local (what `npm run soak` does against its own `npm start` for minutes), so
 * the script cannot drift away from the API without a test failing.
 */
let dataDir: string;
let deps: Deps;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'peerguard-soak-test-'));
  deps = buildDeps(await freshLocalConfig(dataDir, { CHECKS_PER_MINUTE: '100000', CHECKS_PER_DAY: '10000000', GUESSES_PER_DAY: '10000000' }));
  server = createLocalServer(deps, () => undefined);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((done) => server.close(done));
  rmSync(dataDir, { recursive: true, force: true });
});

it('a short soak load reconciles: one audit entry per 2xx request, nothing else, no 5xx, every answer right', async () => {
  const requests: RecordedRequest[] = [];
  const record = (request: RecordedRequest) => requests.push(request);
  const network = await setUpSoakNetwork(baseUrl, await workingAdminKey(deps, dataDir), record);
  const sent = await runLoad({ baseUrl, network, durationMs: 4_000, concurrency: 4, maxRequests: 400, record });
  expect(sent).toBeGreaterThan(10);
  expect(sent).toBeLessThanOrEqual(400);

  const result = reconcileAudit(requests, await intactChain(deps.audit));
  expect(result.missing).toEqual([]);
  expect(result.unexplained).toEqual([]);
  expect(result.wrongAnswers).toEqual([]);
  expect(result).toMatchObject({ serverErrors: 0, networkErrors: 0, unexpectedStatuses: 0, systemEntries: 1 });
  // The load really mixed: submissions, checks and reviews all happened and were audited.
  for (const action of ['alert.submitted', 'check.performed', 'alert.approved']) expect(result.foundByAction[action], action).toBeGreaterThan(0);
});

it('the load stops at its request budget', async () => {
  const requests: RecordedRequest[] = [];
  const network = await setUpSoakNetwork(baseUrl, await workingAdminKey(deps, dataDir), () => undefined);
  const sent = await runLoad({ baseUrl, network, durationMs: 60_000, concurrency: 3, maxRequests: 12, record: (request) => requests.push(request) });
  expect(sent).toBe(12);
  expect(requests).toHaveLength(12);
});
