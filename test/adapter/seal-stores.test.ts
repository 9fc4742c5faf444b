import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { buildS3SealStore } from '#shared/adapters/s3-seal-store.ts';
import { buildLocalSealStore } from '#shared/adapters/local/local-seal-store.ts';
import { sealHead, verifySeal } from '#shared/audit/seal.ts';
import type { AuditCheckpoint, AuditSeal } from '#shared/records.ts';
import { buildTestDeps } from '../fakes/deps.ts';
import { publishTestClause } from '../fakes/fixtures.ts';
import './support.ts';

const seal: AuditSeal = {
  type: 'peerguard.audit.seal.v1',
  seq: 42,
  hash: 'a'.repeat(64),
  at: '2026-11-21T19:00:00Z',
  sealedAt: '2026-11-21T19:15:00Z',
  keyId: 'k',
  signature: 'MEU=',
};
const checkpoint: AuditCheckpoint = {
  type: 'peerguard.audit.checkpoint.v1',
  number: 7,
  prevHash: 'd'.repeat(64),
  madeAt: '2026-11-21T19:15:00Z',
  treeSize: 1,
  rootHash: 'e'.repeat(64),
  heads: [{ chain: 'c003', seq: 9, hash: 'f'.repeat(64), at: '2026-11-21T19:14:00Z' }],
  keyId: 'k',
  signature: 'MEU=',
};
const s3 = mockClient(S3Client);
const dataDir = mkdtempSync(join(tmpdir(), 'peerguard-seals-'));

beforeEach(() => s3.reset());
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('sealing the audit chain head', () => {
  it('signs the head so that it verifies with the public key alone, and stores it', async () => {
    const deps = buildTestDeps();
    expect(await sealHead(deps)).toBeUndefined(); // nothing to seal yet
    await publishTestClause(deps);
    const sealed = (await sealHead(deps))!;
    const head = deps.memory.audit.entries.at(-1)!;
    expect(sealed).toMatchObject({ seq: head.seq, hash: head.hash, at: head.at, keyId: deps.signer.keyId });
    expect(deps.memory.seals).toEqual([sealed]);
    expect(verifySeal(sealed, await deps.signer.publicKeyPem())).toBe(true);
    expect(verifySeal({ ...sealed, hash: 'b'.repeat(64) }, await deps.signer.publicKeyPem())).toBe(false);
  });
});

describe('S3 seal store', () => {
  const store = buildS3SealStore(new S3Client({ region: 'eu-west-2', maxAttempts: 1 }), 'peerguard-seals');

  it('writes one object per seal, by day and sequence number, with the checksum Object Lock requires', async () => {
    s3.on(PutObjectCommand).resolves({});
    await store.put(seal);
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'peerguard-seals',
      Key: 'seals/2026-11-21/000000000042.json',
      ContentType: 'application/json',
      ChecksumAlgorithm: 'SHA256',
    });
    expect(JSON.parse(String(s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Body))).toEqual(seal);
  });

  it('writes each checkpoint beside the seals, by day and number', async () => {
    s3.on(PutObjectCommand).resolves({});
    await store.putCheckpoint(checkpoint);
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'peerguard-seals',
      Key: 'checkpoints/2026-11-21/000000000007.json',
      ChecksumAlgorithm: 'SHA256',
    });
    expect(JSON.parse(String(s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Body))).toEqual(checkpoint);
  });

  it('a throttled write is a 503-style retry-later; a refused one is left as it is', async () => {
    s3.on(PutObjectCommand).rejects(new S3ServiceException({ name: 'SlowDown', $fault: 'server', $metadata: {}, message: 'slow down' }));
    await expect(store.put(seal)).rejects.toMatchObject({ name: 'DependencyUnavailableError', kind: 'dependency_unavailable' });
    const denied = new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: {}, message: 'denied' });
    s3.on(PutObjectCommand).rejects(denied);
    await expect(store.put(seal)).rejects.toBe(denied);
  });
});

describe('local seal store', () => {
  it('writes a read-only file and never overwrites one', async () => {
    const store = buildLocalSealStore(dataDir);
    await store.put(seal);
    const file = join(dataDir, 'seals/2026-11-21/000000000042.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(seal);
    expect(statSync(file).mode & 0o777).toBe(0o400);
    await store.put({ ...seal, hash: 'b'.repeat(64) });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(seal);
  });

  it('writes each checkpoint the same way, by day and number, never replaced', async () => {
    const store = buildLocalSealStore(dataDir);
    await store.putCheckpoint(checkpoint);
    const file = join(dataDir, 'checkpoints/2026-11-21/000000000007.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(checkpoint);
    expect(statSync(file).mode & 0o777).toBe(0o400);
    await store.putCheckpoint({ ...checkpoint, rootHash: 'c'.repeat(64) });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(checkpoint);
  });
});
