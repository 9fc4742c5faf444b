import type { S3Client } from '@aws-sdk/client-s3';
import type { SealStore } from '../ports.ts';
import { checkpointObjectName, sealName } from '../audit/seal.ts';
import { DependencyUnavailableError } from '../errors.ts';

/**
 * Seals in AWS: one object per seal in a bucket with Object Lock in compliance mode (its default
 * retention applies), so not even the account's root user can change or delete one early.
 */
export function buildS3SealStore(client: S3Client, bucket: string): SealStore {
  const write = async (key: string, value: object) => {
    try {
      const { PutObjectCommand } = await import('@aws-sdk/client-s3');
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: `${JSON.stringify(value)}\n`,
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
  };
  return {
    put: (seal) => write(sealName(seal), seal),
    putCheckpoint: (checkpoint) => write(checkpointObjectName(checkpoint), checkpoint),
  };
}
