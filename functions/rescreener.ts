import type { SNSEvent } from 'aws-lambda';
import { rescreenAlert, rescreenTriggers } from '#shared/domain/rescreen.ts';
import { lambdaDeps } from './http/lambda-deps.ts';

/**
 * Subscribed to the practices topic (filtered on the `type` attribute to alert.published and
 * alert.reinstated): re-screens the registered bookings against the alert. A failure throws, so
 * Lambda retries the delivery and then keeps it in the dead-letter queue.
 */
export const handler = async (event: SNSEvent): Promise<void> => {
  const deps = lambdaDeps();
  for (const record of event.Records) {
    const message = JSON.parse(record.Sns.Message) as { type?: unknown; alertId?: unknown };
    if (typeof message.type !== 'string' || !rescreenTriggers.has(message.type) || typeof message.alertId !== 'string') continue;
    await rescreenAlert(deps, message.alertId);
  }
};
