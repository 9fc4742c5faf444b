import type { S3Client } from '@aws-sdk/client-s3';
import type { SealStore } from '../ports.ts';
import { sealName } from '../audit/seal.ts';
import { DependencyUnavailableError } from '../errors.ts';

/**
 * Seals in AWS: one object per seal in a bucket with Object Lock in compliance mode (its default
 * retention applies), so not even the account's root user can change or delete one early.
 */
export function buildS3SealStore(client: S3Client, bucket: string): SealStore {
  return {
    put: async (seal) => {
      try {
        const { PutObjectCommand } = await import('@aws-sdk/client-s3');
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: sealName(seal),
            Body: `${JSON.stringify(seal)}\n`,
            ContentType: 'application/json',
            // Object Lock needs an integrity checksum on every write.
            ChecksumAlgorithm: 'SHA256',
          }),
        );
      } catch (error) {
        const name = error instanceof Error ? error.name : '';
        if (['SlowDown', 'ServiceUnavailable', 'InternalError', 'RequestTimeout', 'TimeoutError'].includes(name)) {
          throw new DependencyUnavailableError('The seal store is busy; the next sweep seals again.', 60, { cause: error });
        }
        throw error;
      }
    },
  };
}
