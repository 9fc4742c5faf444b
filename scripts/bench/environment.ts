/**
 * The benchmark's world: an in-memory DynamoDB Local, fresh tables, the real local adapters with
 * counting wrappers, and the local server on 127.0.0.1 with a random port — the same wiring
 * `npm start` uses, with the screening quota raised out of the way.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadConfig, type LocalConfig } from '#shared/config.ts';
import type { Deps } from '#shared/deps.ts';
import { buildDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { buildDeps } from '#shared/runtime.ts';
import { ensureConfiguredTables, startDynamoLocal, type RunningDynamoLocal } from '../../infra/local/dynamo-local.ts';
import { workingAdminKey } from '../../infra/local/admin-key.ts';
import { createLocalServer } from '../../infra/local/server.ts';
import { countingCipher, countingKeyring, countingSigner, instrumentDynamo, RequestCounter } from './counting.ts';

export interface Clause {
  readonly clauseId: string;
  readonly version: number;
  readonly sha256: string;
}

export interface BenchNetwork {
  readonly baseUrl: string;
  readonly config: LocalConfig;
  readonly deps: Deps;
  /** The instrumented document client the stores use (the floor issues its requests with it too). */
  readonly documents: DynamoDBDocumentClient;
  readonly counter: RequestCounter;
  readonly adminKey: string;
  readonly clause: Clause;
  readonly keys: { harbourDesk: string; elmReviewer: string; valleyReviewer: string };
  /** The submitting practice (seeded alerts are its alerts). */
  readonly harbour: string;
  /** A new practice with a front-desk key: each load phase screens as its own practice, so quotas never mix. */
  newDesk(name: string): Promise<string>;
  call(method: string, path: string, key: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/** The local configuration the benchmarks run with: `npm start`'s, with the screening quota and guess budget raised out of the way. */
export const benchConfig = (dataDir: string, endpoint: string): LocalConfig =>
  loadConfig({
    PEERGUARD_RUNTIME: 'local',
    DATA_DIR: dataDir,
    DYNAMODB_ENDPOINT: endpoint,
    LOG_LEVEL: 'ERROR',
    CHECKS_PER_MINUTE: '100000',
    CHECKS_PER_DAY: '10000000',
    GUESSES_PER_DAY: '10000000',
  }) as LocalConfig;

export async function startBenchNetwork(): Promise<BenchNetwork> {
  const dataDir = mkdtempSync(join(tmpdir(), 'peerguard-bench-'));
  let dynamo: RunningDynamoLocal | undefined;
  let server: Server | undefined;
  const stop = async () => {
    if (server) await new Promise((done) => server!.close(done));
    await dynamo?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    dynamo = await startDynamoLocal();
    const config = benchConfig(dataDir, dynamo.endpoint);
    await ensureConfiguredTables(dynamo.endpoint, config);
    const counter = new RequestCounter();
    const documents = buildDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT });
    instrumentDynamo(documents, counter, config.API_KEYS_TABLE);
    const plain = buildDeps(config, {}, documents);
    const deps: Deps = {
      ...plain,
      keyring: countingKeyring(plain.keyring, counter),
      signer: countingSigner(plain.signer, counter),
      cipher: countingCipher(plain.cipher, counter),
    };
    server = createLocalServer(deps, () => undefined);
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
    // Keep-alive sockets must not hold the server open at the end.
    server.keepAliveTimeout = 1000;
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const call = async (method: string, path: string, key: string, body?: unknown) => {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    };
    const expect = async (answer: Promise<{ status: number; body: any }>, status: number, what: string) => {
      const { status: got, body } = await answer;
      if (got !== status) throw new Error(`${what} answered ${got}: ${JSON.stringify(body)}`);
      return body;
    };
    const adminKey = await workingAdminKey(deps, dataDir);
    const practice = async (name: string) =>
      (await expect(call('POST', '/v1/practices', adminKey, { name, region: 'CT' }), 201, 'creating a practice')).practiceId as string;
    const key = async (role: string, practiceId: string, label: string) =>
      (await expect(call('POST', '/v1/keys', adminKey, { role, practiceId, label }), 201, 'creating a key')).apiKey as string;
    const [harbour, elm, valley] = [await practice('Harbour Massage'), await practice('Elm Street Bodywork'), await practice('Valley Therapy')];
    const keys = {
      harbourDesk: await key('practice', harbour, 'Harbour front desk'),
      elmReviewer: await key('reviewer', elm, 'Elm reviewer'),
      valleyReviewer: await key('reviewer', valley, 'Valley reviewer'),
    };
    const clauseText = 'I authorise this practice to tell other participating professionals whether it would be willing to work with me again.';
    const clause = (await expect(
      call('POST', '/v1/consent-clauses', adminKey, { text: clauseText, jurisdiction: 'US-CT' }),
      201,
      'publishing the clause',
    )) as Clause;
    return {
      baseUrl,
      config,
      deps,
      documents,
      counter,
      adminKey,
      clause,
      keys,
      harbour,
      call,
      stop,
      newDesk: async (name) => key('practice', await practice(name), `${name} front desk`),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A submission body as a front desk sends it (the summary is the only free text). */
export function alertBody(clause: Clause, subject: Record<string, string>) {
  return {
    subject,
    incident: {
      occurredOn: '2026-11-02',
      category: 'harassment',
      severity: 'medium',
      summary: 'Client made repeated unwanted remarks during the session and would not stop when asked.',
      witnesses: 1,
    },
    consent: {
      clauseId: clause.clauseId,
      clauseVersion: clause.version,
      clauseSha256: clause.sha256,
      signedOn: '2026-10-01',
      method: 'e_signature',
      documentSha256: createHash('sha256').update('signed intake form').digest('hex'),
    },
  };
}
