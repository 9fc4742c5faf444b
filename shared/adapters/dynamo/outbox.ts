import { DeleteCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { NotificationOutbox } from '../../ports.ts';
import type { FailedNotification } from '../../records.ts';
import { attr } from './tables.ts';
import { storage } from './errors.ts';
import { stripKeys } from './simple-stores.ts';

const outboxPk = 'OUTBOX';
const outboxSk = (failure: Pick<FailedNotification, 'failedAt' | 'failureId'>) => `${failure.failedAt}#${failure.failureId}`;

/** Notifications that failed to send, in the main table, oldest first, until redelivered. */
export function buildNotificationOutbox(client: DynamoDBDocumentClient, table: string): NotificationOutbox {
  return {
    record: (failure) =>
      storage(async () => {
        await client.send(new PutCommand({ TableName: table, Item: { [attr.pk]: outboxPk, [attr.sk]: outboxSk(failure), ...failure } }));
      }),
    list: (limit) =>
      storage(async () => {
        const { Items } = await client.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': attr.pk },
            ExpressionAttributeValues: { ':pk': outboxPk },
            Limit: limit,
            ConsistentRead: true,
          }),
        );
        return (Items ?? []).map((item) => stripKeys<FailedNotification>(item));
      }),
    remove: (failure) =>
      storage(async () => {
        await client.send(new DeleteCommand({ TableName: table, Key: { [attr.pk]: outboxPk, [attr.sk]: outboxSk(failure) } }));
      }),
  };
}
