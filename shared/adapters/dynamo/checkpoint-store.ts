import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CheckpointStore } from '../../ports.ts';
import type { AuditCheckpoint } from '../../records.ts';
import { attr, indexNames } from './tables.ts';
import { isConditionalCheckFailure, storage } from './errors.ts';
import { queryPages } from './query-pages.ts';

/** The audit table's partition that holds the checkpoints, by number (never a chain's name: chains are `main` and c000…). */
export const checkpointPartition = 'checkpoints';

const item = (checkpoint: AuditCheckpoint) => ({
  ...checkpoint,
  [attr.chain]: checkpointPartition,
  [attr.seq]: checkpoint.number,
  [attr.atSeq]: `${checkpoint.madeAt}#${String(checkpoint.number).padStart(12, '0')}`,
});

function checkpointFrom(stored: Record<string, unknown>): AuditCheckpoint {
  const { [attr.chain]: _chain, [attr.seq]: _seq, [attr.atSeq]: _atSeq, ...checkpoint } = stored;
  return checkpoint as unknown as AuditCheckpoint;
}

/**
 * Checkpoints in the audit table, beside the chains: one item per checkpoint in the partition
 * `checkpoints`, sort key its number, written with a condition so two makers never take one
 * number. A handful of writes an hour, so this partition is never hot. The sweep also writes each
 * checkpoint it makes to write-once storage (the seal store).
 */
export function buildCheckpointStore(client: DynamoDBDocumentClient, table: string): CheckpointStore {
  const one = (query: { condition?: string; values?: Record<string, unknown>; index?: boolean; forward: boolean }) =>
    storage(async () => {
      const { Items } = await client.send(
        new QueryCommand({
          TableName: table,
          ...(query.index ? { IndexName: indexNames.auditByTime } : { ConsistentRead: true }),
          KeyConditionExpression: `#chain = :chain${query.condition ? ` AND ${query.condition}` : ''}`,
          ExpressionAttributeNames: { '#chain': attr.chain, ...(query.index ? { '#atSeq': attr.atSeq } : {}) },
          ExpressionAttributeValues: { ':chain': checkpointPartition, ...query.values },
          ScanIndexForward: query.forward,
          Limit: 1,
        }),
      );
      return Items?.[0] ? checkpointFrom(Items[0]) : undefined;
    });
  return {
    latest: () => one({ forward: false }),
    put: (checkpoint) =>
      storage(async () => {
        try {
          await client.send(
            new PutCommand({
              TableName: table,
              Item: item(checkpoint),
              ConditionExpression: 'attribute_not_exists(#seq)',
              ExpressionAttributeNames: { '#seq': attr.seq },
            }),
          );
          return true;
        } catch (error) {
          if (isConditionalCheckFailure(error)) return false;
          throw error;
        }
      }),
    list: async (first, last) => {
      const found: AuditCheckpoint[] = [];
      const items = queryPages(client, {
        TableName: table,
        KeyConditionExpression: '#chain = :chain AND #seq BETWEEN :first AND :last',
        ExpressionAttributeNames: { '#chain': attr.chain, '#seq': attr.seq },
        ExpressionAttributeValues: { ':chain': checkpointPartition, ':first': first, ':last': last },
        ConsistentRead: true,
        Limit: 100,
      });
      for await (const stored of items) found.push(checkpointFrom(stored));
      return found;
    },
    lastBefore: (instant) => one({ index: true, condition: '#atSeq < :before', values: { ':before': instant }, forward: false }),
  };
}
