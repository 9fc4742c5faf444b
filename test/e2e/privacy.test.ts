import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/api-client.ts';
import { startLocalNetwork, type LocalNetworkProcess } from '../support/local-process.ts';
import { alertBody, setUpNetwork } from '../support/story.ts';

/**
 * The privacy invariant, proven on the real `npm start` path: plant canary identifiers, run the
 * whole story (and bad requests carrying them), stop with Ctrl-C, then search every byte the
 * system wrote — DynamoDB Local's files, the data folder, notifications, logs at DEBUG level.
 */
const canary = {
  fullName: 'Zebulon Quillfeather-Canary',
  dateOfBirth: '1937-07-07',
  phone: '+1 (959) 555-0123',
  email: 'Zeb.Quillfeather@Canary-Mail.example',
};
const canarySummary = 'SUMMARY-CANARY-7731 the client grabbed the therapist';
/** Raw values and every normalised form they could take on the way to a token. */
const needles = ['Quillfeather', 'quillfeather', 'QUILLFEATHER', '5550123', '555-0123', '1937-07-07', 'canary-mail', 'SUMMARY-CANARY-7731'];

let dataDir: string;
let network: LocalNetworkProcess;
let alertId: string;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function javaProcessesFor(dir: string): string {
  try {
    return execFileSync('pgrep', ['-f', `dbPath ${dir}`], { encoding: 'utf8' });
  } catch {
    return ''; // pgrep exits 1 when nothing matches
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'peerguard-privacy-'));
  network = await startLocalNetwork({ DATA_DIR: dataDir, LOG_LEVEL: 'DEBUG' });
  const call = apiClient(network.baseUrl);
  const adminKey = readFileSync(join(dataDir, 'admin-api-key'), 'utf8');
  expect(adminKey).toMatch(/^pg\.key_[0-9a-z]{26}\.[A-Za-z0-9_-]{43}\n$/);
  const net = await setUpNetwork(call, adminKey.trim());

  const submitted = await call('POST', '/v1/alerts', { key: net.keys.harbourDesk.apiKey, body: alertBody(net.clause, canary, canarySummary) });
  expect(submitted.status).toBe(201);
  alertId = submitted.body.alertId;
  for (const reviewer of [net.keys.elmReviewer, net.keys.valleyReviewer]) {
    const decided = await call('POST', `/v1/alerts/${alertId}/reviews`, { key: reviewer.apiKey, body: { decision: 'approve', reason: 'ok' } });
    expect(decided.status).toBe(200);
  }
  const subjects = [{ phone: canary.phone }, { email: canary.email }, { fullName: canary.fullName, dateOfBirth: canary.dateOfBirth }, { fullName: canary.fullName }];
  for (const subject of subjects) {
    const answer = await call('POST', '/v1/checks', { key: net.keys.valleyDesk.apiKey, body: { subject } });
    expect(answer.body.result).toBe('match');
    for (const needle of needles) expect(answer.text).not.toContain(needle);
  }
  // Bad requests that carry the canaries must not echo them either.
  const bad = await call('POST', '/v1/checks', { key: net.keys.valleyDesk.apiKey, body: { subject: { ...canary, phone: `${canary.phone}x`.repeat(3), [canary.fullName]: 1 }, bookingOn: canary.phone } });
  expect(bad.status).toBe(400);
  const wrongRole = await call('POST', '/v1/checks', { key: net.keys.elmReviewer.apiKey, body: { subject: { phone: canary.phone } } });
  expect(wrongRole.status).toBe(403);
  for (const needle of needles.slice(0, 6)) {
    expect(bad.text).not.toContain(needle);
    expect(wrongRole.text).not.toContain(needle);
  }
  // Batch screening, a batch refused for one bad booking, and the alert disputed and reinstated.
  const batch = await call('POST', '/v1/checks/batch', {
    key: net.keys.valleyDesk.apiKey,
    body: { bookings: subjects.map((subject, i) => ({ ref: `bk-${i}`, subject })) },
  });
  expect(batch.body.results.map((result: { result: string }) => result.result)).toEqual(['match', 'match', 'match', 'match']);
  const badBatch = await call('POST', '/v1/checks/batch', {
    key: net.keys.valleyDesk.apiKey,
    body: { bookings: [{ ref: 'ok', subject: { phone: canary.phone } }, { ref: canary.fullName, subject: { email: `${canary.email}@@` } }] },
  });
  expect(badBatch.status).toBe(400);
  for (const needle of needles) {
    expect(batch.text).not.toContain(needle);
    expect(badBatch.text).not.toContain(needle);
  }
  for (const path of ['disputes', 'reinstate']) {
    expect((await call('POST', `/v1/alerts/${alertId}/${path}`, { key: adminKey.trim(), body: { reason: 'Handled by the network.' } })).status).toBe(200);
  }
  const queue = await call('GET', `/v1/alerts/${alertId}`, { key: net.keys.harbourDesk.apiKey });
  for (const needle of needles) expect(queue.text).not.toContain(needle);
}, 120_000);

afterAll(async () => {
  // Even when a test failed half-way: stop like Ctrl-C (which takes DynamoDB Local along), then make sure.
  if (network?.child.exitCode === null) {
    const stopped = network.stop();
    await Promise.race([stopped, new Promise((done) => setTimeout(done, 10_000))]);
    if (network.child.exitCode === null) network.child.kill('SIGKILL');
  }
  for (const pid of javaProcessesFor(dataDir).split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('after the story, stopped with Ctrl-C', () => {
  it('exits cleanly and leaves no DynamoDB Local process behind', async () => {
    expect(await network.stop()).toBe(0);
    await new Promise((done) => setTimeout(done, 500));
    expect(javaProcessesFor(dataDir)).toBe('');
  });

  it('wrote data, notifications and logs (so the search below is searching something real)', () => {
    const everything = filesUnder(dataDir).map((file) => readFileSync(file).toString('latin1')).join('\n');
    expect(filesUnder(join(dataDir, 'dynamodb')).length).toBeGreaterThan(0);
    expect(everything).toContain(alertId);
    const notifications = readFileSync(join(dataDir, 'notifications.jsonl'), 'utf8');
    for (const type of ['alert.awaiting_review', 'alert.published', 'alert.disputed', 'alert.reinstated']) expect(notifications).toContain(type);
    expect(network.output()).toContain('"level":"DEBUG"');
    expect(network.output()).toMatch(/POST \/v1\/checks 200/);
  });

  it.each(needles)('finds no trace of %s anywhere the system wrote', (needle) => {
    for (const file of filesUnder(dataDir)) {
      const bytes = readFileSync(file);
      expect(bytes.includes(Buffer.from(needle, 'utf8')), `${needle} in ${file}`).toBe(false);
      expect(bytes.includes(Buffer.from(needle, 'utf16le')), `${needle} (UTF-16) in ${file}`).toBe(false);
    }
    expect(network.output()).not.toContain(needle);
  });
});

describe('a second start', () => {
  it('finds the data folder: same admin key, same clause, the alert still matches', async () => {
    const again = await startLocalNetwork({ DATA_DIR: dataDir });
    try {
      const adminKey = readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();
      expect(again.output()).toContain('(from ');
      const call = apiClient(again.baseUrl);
      const alert = await call('GET', `/v1/alerts/${alertId}`, { key: adminKey });
      expect(alert.status).toBe(200);
      expect(alert.body.status).toBe('published');
    } finally {
      expect(await again.stop()).toBe(0);
    }
  });
});
