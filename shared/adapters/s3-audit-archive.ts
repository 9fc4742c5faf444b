import type { S3Client } from '@aws-sdk/client-s3';
import type { AuditArchive } from '../ports.ts';
import { DependencyUnavailableError } from '../errors.ts';

const busy = ['SlowDown', 'ServiceUnavailable', 'InternalError', 'RequestTimeout', 'TimeoutError', 'ConditionalRequestConflict'];

/**
 * The audit table's write-once copy in AWS: one object per copy in a bucket with Object Lock in
 * compliance mode (its default retention applies), so nobody, the account root included, can
 * change or delete one before it expires. `If-None-Match: *` makes a second write of a name fail
 * (412) instead of adding a version: the first copy is the copy.
 */
export function buildS3AuditArchive(client: S3Client, bucket: string): AuditArchive {
  const unavailable = (error: unknown): never => {
    const name = error instanceof Error ? error.name : '';
    if (busy.includes(name)) throw new DependencyUnavailableError('The audit copy store is busy; the stream delivers the change again.', 60, { cause: error });
    throw error;
  };
  return {
    put: async (name, body) => {
      const { PutObjectCommand } = await import('@aws-sdk/client-s3');
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: name,
            Body: body,
            ContentType: 'application/json',
            IfNoneMatch: '*',
            // Object Lock needs an integrity checksum on every write.
            ChecksumAlgorithm: 'SHA256',
          }),
        );
        return 'written';
      } catch (error) {
        if (
          error instanceof Error &&
          (error.name === 'PreconditionFailed' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412)
        )
          return 'exists';
        return unavailable(error);
      }
    },
    has: async (name) => {
      const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
      try {
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key: name }));
        return true;
      } catch (error) {
        if (error instanceof Error && (error.name === 'NotFound' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404))
          return false;
        return unavailable(error);
      }
    },
  };
}
