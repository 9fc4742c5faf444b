import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadOrCreateLocalKeys } from '#shared/adapters/local/local-keys.ts';
import { buildLocalKeyring } from '#shared/adapters/local/local-keyring.ts';
import { buildLocalNotifier } from '#shared/adapters/local/local-notifier.ts';
import { buildLocalSigner } from '#shared/adapters/local/local-signer.ts';
import { signStatement, verifyStatement } from '#shared/domain/signing.ts';
import type { Logger } from '#shared/ports.ts';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'peerguard-adapter-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const mode = (path: string) => statSync(path).mode & 0o777;

describe('local keys', () => {
  it('are created once, owner-only, and reused on the next start', () => {
    const first = loadOrCreateLocalKeys(dataDir);
    const keysDir = join(dataDir, 'keys');

    expect(readdirSync(keysDir).sort()).toEqual(['data.key', 'hmac.key', 'signing-key.pem']);
    expect(mode(keysDir)).toBe(0o700);
    for (const name of readdirSync(keysDir)) expect(mode(join(keysDir, name)), name).toBe(0o600);
    expect(first.hmacKey).toHaveLength(32);
    expect(first.dataKey).toHaveLength(32);
    expect(first.hmacKey.equals(first.dataKey)).toBe(false);
    expect(first.signingKeyPem).toContain('BEGIN PRIVATE KEY');

    const second = loadOrCreateLocalKeys(dataDir);
    expect(second.hmacKey.equals(first.hmacKey)).toBe(true);
    expect(second.dataKey.equals(first.dataKey)).toBe(true);
    expect(second.signingKeyPem).toBe(first.signingKeyPem);
  });

  it('give a signer whose statements verify with its public key', async () => {
    const signer = buildLocalSigner(loadOrCreateLocalKeys(dataDir).signingKeyPem);
    const statement = { alertId: 'a-1', n: 1 };
    const { signature, keyId } = await signStatement(signer, statement);
    expect(keyId).toMatch(/^local:[0-9a-f]{16}$/);
    expect(verifyStatement(await signer.publicKeyPem(), statement, signature)).toBe(true);
  });
});

it('the local keyring computes the same HMAC-SHA-256 as node (and as KMS GenerateMac)', async () => {
  const key = randomBytes(32);
  const message = 'v1|name|zoë smith';
  const expected = createHmac('sha256', key).update(Buffer.from(message, 'utf8')).digest();
  expect(Buffer.from(await buildLocalKeyring(key).mac(message)).equals(expected)).toBe(true);
  expect(Buffer.from(await buildLocalKeyring(randomBytes(32)).mac(message)).equals(expected)).toBe(false);
});

it('the local notifier appends one JSON line per notification and logs only ids', async () => {
  const file = join(dataDir, 'nested', 'notifications.jsonl');
  const logger: Logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const notifier = buildLocalNotifier(file, logger, () => new Date('2025-01-01T12:00:00.000Z'));

  await notifier.publish({ topic: 'reviewers', type: 'alert.awaiting_review', alertId: 'a-1', category: 'harassment', severity: 'high' });
  await notifier.publish({ topic: 'reviewers', type: 'alert.awaiting_review', alertId: 'a-2', category: 'other_safety', severity: 'low' });

  const lines = readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));
  expect(lines).toEqual([
    { sentAt: '2025-01-01T12:00:00.000Z', topic: 'reviewers', type: 'alert.awaiting_review', alertId: 'a-1', category: 'harassment', severity: 'high' },
    { sentAt: '2025-01-01T12:00:00.000Z', topic: 'reviewers', type: 'alert.awaiting_review', alertId: 'a-2', category: 'other_safety', severity: 'low' },
  ]);
  expect(mode(file)).toBe(0o600);
  expect(logger.info).toHaveBeenCalledWith('notification sent', { topic: 'reviewers', type: 'alert.awaiting_review' });
});
