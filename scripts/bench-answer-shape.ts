/**
 * `npm run bench:answer-shape [-- --rounds 80]`
 *
 * Does a screening answer give itself away by its size or its time? Starts an in-memory DynamoDB
 * Local and the local server in-process, publishes one alert, then screens four kinds of booking
 * in shuffled order, over HTTP: a name that matches (`possible`), a name that does not, a phone
 * that matches (`strong`) and a phone that does not. It prints, per kind, the answer's size in
 * bytes and its latency (median, p90), and the hit-minus-miss difference of the medians. A
 * measurement, not a test: the figures depend on the machine and its load.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import { buildDeps } from '#shared/runtime.ts';
import { ensureConfiguredTables, startDynamoLocal } from '../infra/local/dynamo-local.ts';
import { createLocalServer } from '../infra/local/server.ts';
import { ensureAdminKey } from '../infra/local/admin-key.ts';
import { benchConfig } from './bench/environment.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '80' }, warmup: { type: 'string', default: '15' } } });
const rounds = Number(values.rounds);
const warmup = Number(values.warmup);

const dataDir = mkdtempSync(join(tmpdir(), 'peerguard-answer-shape-'));
const dynamo = await startDynamoLocal();
const config = benchConfig(dataDir, dynamo.endpoint);
await ensureConfiguredTables(dynamo.endpoint, config);
const deps = buildDeps(config);
const server = createLocalServer(deps, () => undefined);
await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
server.keepAliveTimeout = 1000;
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

async function call(path: string, key: string, body: unknown): Promise<{ status: number; text: string; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, ms: performance.now() - started };
}
async function created(path: string, key: string, body: unknown): Promise<any> {
  const answer = await call(path, key, body);
  if (answer.status >= 300) throw new Error(`${path} answered ${answer.status}: ${answer.text}`);
  return JSON.parse(answer.text);
}

try {
  const admin = (await ensureAdminKey(deps, dataDir)).apiKey!;
  const practice = async (name: string) => (await created('/v1/practices', admin, { name, region: 'CT' })).practiceId as string;
  const key = async (role: string, practiceId: string) => (await created('/v1/keys', admin, { role, practiceId, label: role })).apiKey as string;
  const [harbour, elm, valley] = [await practice('Harbour'), await practice('Elm'), await practice('Valley')];
  const [harbourDesk, elmReviewer, valleyReviewer, valleyDesk] = [
    await key('practice', harbour),
    await key('reviewer', elm),
    await key('reviewer', valley),
    await key('practice', valley),
  ];
  const text = 'I authorise this practice to tell other participating professionals whether it would be willing to work with me again.';
  const clause = await created('/v1/consent-clauses', admin, { text, jurisdiction: 'US-CT' });
  const flagged = { fullName: 'Orsolya Brennan-Akintola', dateOfBirth: '1975-04-09', phone: '+1 860 555 0164', email: 'o.brennan@example.org' };
  const alert = await created('/v1/alerts', harbourDesk, {
    subject: flagged,
    incident: { occurredOn: '2026-11-02', category: 'harassment', severity: 'medium', summary: 'Repeated unwanted messages after the session.', witnesses: 0 },
    consent: {
      clauseId: clause.clauseId,
      clauseVersion: clause.version,
      clauseSha256: clause.sha256,
      signedOn: '2026-10-01',
      method: 'e_signature',
      documentSha256: 'a'.repeat(64),
    },
  });
  for (const reviewer of [elmReviewer, valleyReviewer])
    await created(`/v1/alerts/${alert.alertId}/reviews`, reviewer, { decision: 'approve', reason: 'In order.' });

  let n = 0;
  const kinds = {
    'name, hit (possible)': () => ({ fullName: flagged.fullName }),
    'name, miss': () => ({ fullName: `Guessed Person Number ${(n += 1)}` }),
    'phone, hit (strong)': () => ({ phone: flagged.phone }),
    'phone, miss': () => ({ phone: `+1 203 555 ${String(1000 + ((n += 1) % 9000)).slice(-4)}` }),
  } as const;
  type Kind = keyof typeof kinds;
  const samples = new Map<Kind, { ms: number[]; bytes: Set<number>; results: Set<string> }>(
    Object.keys(kinds).map((kind) => [kind as Kind, { ms: [], bytes: new Set(), results: new Set() }]),
  );
  const order: Kind[] = [];
  for (let i = 0; i < warmup + rounds; i += 1) order.push(...(Object.keys(kinds) as Kind[]));
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const seen = new Map<Kind, number>();
  for (const kind of order) {
    const answer = await call('/v1/checks', valleyDesk, { subject: kinds[kind]() });
    if (answer.status !== 200) throw new Error(`check answered ${answer.status}: ${answer.text}`);
    const count = (seen.get(kind) ?? 0) + 1;
    seen.set(kind, count);
    if (count <= warmup) continue;
    const sample = samples.get(kind)!;
    sample.ms.push(answer.ms);
    sample.bytes.add(Buffer.byteLength(answer.text));
    const body = JSON.parse(answer.text) as { result: string; confidence?: string };
    sample.results.add(`${body.result}${body.confidence ? `/${body.confidence}` : ''}`);
  }
  const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;
  console.log(`answer shape: ${rounds} checks of each kind (after ${warmup} to warm up), shuffled, one at a time over HTTP`);
  console.log('kind                    answer        bytes        median ms   p90 ms');
  for (const [kind, sample] of samples) {
    console.log(
      `${kind.padEnd(24)}${[...sample.results].join(',').padEnd(14)}${[...sample.bytes]
        .sort((a, b) => a - b)
        .join('/')
        .padEnd(13)}${quantile(sample.ms, 0.5).toFixed(1).padStart(9)}${quantile(sample.ms, 0.9).toFixed(1).padStart(9)}`,
    );
  }
  const median = (kind: Kind) => quantile(samples.get(kind)!.ms, 0.5);
  console.log(`name: miss minus hit, medians: ${(median('name, miss') - median('name, hit (possible)')).toFixed(1)} ms`);
  console.log(`phone: miss minus hit, medians: ${(median('phone, miss') - median('phone, hit (strong)')).toFixed(1)} ms`);
} finally {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  await dynamo.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
