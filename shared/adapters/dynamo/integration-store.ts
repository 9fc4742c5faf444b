import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../../dates.ts';
import type { IntegrationStore } from '../../ports.ts';
import type { CalcomIntegration } from '../../records.ts';
import type { AuditLog } from './audit-log.ts';
import { isConditionalCheckFailure, storage } from './errors.ts';
import { stripKeys } from './simple-stores.ts';
import { attr } from './tables.ts';

const calcomKey = (practiceId: string) => ({ [attr.pk]: `PRACTICE#${practiceId}`, [attr.sk]: 'INTEGRATION#calcom' });
const deliveryKey = (practiceId: string, key: string) => ({ [attr.pk]: `DELIVERY#${practiceId}#${key}`, [attr.sk]: 'DELIVERY' });

/** Attribute names of a delivery item. */
const delivery = { state: 'state', leaseUntil: 'leaseUntil', response: 'response' } as const;

/**
 * Integrations live in the main table beside their practice (`PRACTICE#<id>` / `INTEGRATION#calcom`);
 * each webhook delivery of a booking has its own item (`DELIVERY#<practiceId>#<digest of the booking id>`),
 * first claimed (`screening`, with a lease), then holding the answer (`answered`) until its TTL.
 */
export function buildIntegrationStore(client: DynamoDBDocumentClient, table: string, audit: AuditLog): IntegrationStore {
  return {
    getCalcom: (practiceId) =>
      storage(async () => {
        const { Item } = await client.send(new GetCommand({ TableName: table, Key: calcomKey(practiceId), ConsistentRead: true }));
        return Item ? stripKeys<CalcomIntegration>(Item) : undefined;
      }),

    putCalcom: async (integration, batch) => {
      await audit.transact([{ Put: { TableName: table, Item: { ...calcomKey(integration.practiceId), ...integration } } }], batch);
    },

    claimDelivery: async (practiceId, key, now, leaseSeconds) => {
      const nowSeconds = epochSeconds(now);
      try {
        await storage(() =>
          client.send(
            new PutCommand({
              TableName: table,
              Item: {
                ...deliveryKey(practiceId, key),
                [delivery.state]: 'screening',
                [delivery.leaseUntil]: nowSeconds + leaseSeconds,
                [attr.ttl]: nowSeconds + leaseSeconds,
              },
              // Free, lapsed (a screening that died half-way), or expired but not yet deleted by TTL.
              ConditionExpression: 'attribute_not_exists(#pk) OR (#state = :screening AND #lease < :now) OR #ttl < :now',
              ExpressionAttributeNames: { '#pk': attr.pk, '#state': delivery.state, '#lease': delivery.leaseUntil, '#ttl': attr.ttl },
              ExpressionAttributeValues: { ':screening': 'screening', ':now': nowSeconds },
            }),
          ),
        );
        return { claimed: true };
      } catch (error) {
        if (!isConditionalCheckFailure(error)) throw error;
      }
      const { Item } = await storage(() => client.send(new GetCommand({ TableName: table, Key: deliveryKey(practiceId, key), ConsistentRead: true })));
      return Item?.[delivery.state] === 'answered' ? { claimed: false, response: Item[delivery.response] } : { claimed: false };
    },

    completeDelivery: (practiceId, key, response, expiresAt) =>
      storage(async () => {
        await client.send(
          new UpdateCommand({
            TableName: table,
            Key: deliveryKey(practiceId, key),
            UpdateExpression: 'SET #state = :answered, #response = :response, #ttl = :ttl REMOVE #lease',
            ExpressionAttributeNames: { '#state': delivery.state, '#response': delivery.response, '#ttl': attr.ttl, '#lease': delivery.leaseUntil },
            ExpressionAttributeValues: { ':answered': 'answered', ':response': response, ':ttl': epochSeconds(expiresAt) },
          }),
        );
      }),

    releaseDelivery: (practiceId, key) =>
      storage(async () => {
        await client
          .send(
            new DeleteCommand({
              TableName: table,
              Key: deliveryKey(practiceId, key),
              ConditionExpression: '#state = :screening',
              ExpressionAttributeNames: { '#state': delivery.state },
              ExpressionAttributeValues: { ':screening': 'screening' },
            }),
          )
          .catch((error: unknown) => {
            if (!isConditionalCheckFailure(error)) throw error;
          });
      }),
  };
}
