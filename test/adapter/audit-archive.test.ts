import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { buildS3AuditArchive } from '#shared/adapters/s3-audit-archive.ts';
import { buildLocalAuditArchive, localAuditCopyDir } from '#shared/adapters/local/local-audit-archive.ts';
import { handler } from '../../functions/archiver.ts';
import './support.ts';

/** The audit table's write-once copy: S3 with Object Lock (mocked client) and read-only local files. */
const s3 = mockClient(S3Client);
const dataDir = mkdtempSync(join(tmpdir(), 'peerguard-audit-copy-'));
const failure = (name: string, status: number) =>
  new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: name });

beforeEach(() => s3.reset());
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('S3 audit archive', () => {
  const archive = buildS3AuditArchive(new S3Client({ region: 'eu-west-2', maxAttempts: 1 }), 'peerguard-audit');

  it('writes each copy once: If-None-Match * and the checksum Object Lock requires; an existing name answers "exists"', async () => {
    s3.on(PutObjectCommand).resolves({});
    expect(await archive.put('entries/main/000000000001.json', '{"seq":1}\n')).toBe('written');
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'peerguard-audit',
      Key: 'entries/main/000000000001.json',
      Body: '{"seq":1}\n',
      IfNoneMatch: '*',
      ChecksumAlgorithm: 'SHA256',
      ContentType: 'application/json',
    });
    s3.on(PutObjectCommand).rejects(failure('PreconditionFailed', 412));
    expect(await archive.put('entries/main/000000000001.json', 'other')).toBe('exists');
  });

  it('tells whether a change record exists (HeadObject), a busy store is retry-later, a refusal is left as it is', async () => {
    s3.on(HeadObjectCommand).resolves({});
    expect(await archive.has('changes/main/000000000001/e1.json')).toBe(true);
    s3.on(HeadObjectCommand).rejects(failure('NotFound', 404));
    expect(await archive.has('changes/main/000000000001/e1.json')).toBe(false);
    s3.on(PutObjectCommand).rejects(failure('SlowDown', 503));
    await expect(archive.put('entries/main/000000000002.json', '{}')).rejects.toMatchObject({ name: 'DependencyUnavailableError' });
    const denied = failure('AccessDenied', 403);
    s3.on(HeadObjectCommand).rejects(denied);
    await expect(archive.has('changes/x.json')).rejects.toBe(denied);
  });
});

describe('local audit archive', () => {
  const archive = buildLocalAuditArchive(dataDir);

  it('writes read-only files under DATA_DIR/audit-copy and never replaces one', async () => {
    expect(await archive.put('entries/main/000000000003.json', 'first\n')).toBe('written');
    expect(await archive.put('entries/main/000000000003.json', 'second\n')).toBe('exists');
    const file = join(localAuditCopyDir(dataDir), 'entries/main/000000000003.json');
    expect(readFileSync(file, 'utf8')).toBe('first\n');
    expect(statSync(file).mode & 0o777).toBe(0o400);
    expect(await archive.has('entries/main/000000000003.json')).toBe(true);
    expect(await archive.has('entries/main/000000000004.json')).toBe(false);
  });

  it('refuses a name that would leave the archive folder', async () => {
    await expect(archive.put('../escape.json', 'x')).rejects.toThrow('leaves the archive folder');
  });
});

describe('the archiver function', () => {
  it('reports the first change it could not handle as the batch item failure (the stream delivers it again)', async () => {
    const env = {
      PEERGUARD_RUNTIME: 'aws',
      HMAC_KEY_ID: 'k',
      SIGNING_KEY_ID: 's',
      DATA_KEY_ID: 'arn:aws:kms:eu-west-2:111122223333:key/d',
      REVIEWERS_TOPIC_ARN: 'r',
      PRACTICES_TOPIC_ARN: 'p',
      SECURITY_TOPIC_ARN: 'x',
      AUDIT_COPY_BUCKET: 'peerguard-audit',
      AWS_REGION: 'eu-west-2',
    };
    Object.assign(process.env, env);
    try {
      s3.on(PutObjectCommand).resolves({}).on(PutObjectCommand, { Key: 'entries/main/000000000002.json' }).rejects(failure('InternalError', 500));
      const record = (seq: number) => ({
        eventID: `e${seq}`,
        eventName: 'INSERT' as const,
        dynamodb: {
          Keys: { chain: { S: 'main' }, seq: { N: String(seq) } },
          NewImage: { chain: { S: 'main' }, seq: { N: String(seq) } },
          SequenceNumber: `${seq}00`,
          ApproximateCreationDateTime: 1_790_000_000,
        },
      });
      const answer = await handler({ Records: [record(1), record(2), record(3)] } as never);
      expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: '200' }] });
      expect(s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key)).toEqual([
        'entries/main/000000000001.json',
        'entries/main/000000000002.json',
      ]);
    } finally {
      for (const name of Object.keys(env)) delete process.env[name];
    }
  });
});
