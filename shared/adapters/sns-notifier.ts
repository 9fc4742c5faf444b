import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notification, NotificationTopic, Notifier } from '../ports.ts';

/** Notifications in AWS: one SNS topic per audience; the message is the notification's JSON. */
export function buildSnsNotifier(client: SNSClient, topicArns: Record<NotificationTopic, string>): Notifier {
  return {
    publish: async (topic: NotificationTopic, notification: Notification) => {
      await client.send(
        new PublishCommand({
          TopicArn: topicArns[topic],
          Subject: `Peerguard: ${notification.type}`,
          // Field by field, so nothing a caller adds to the object by mistake can reach subscribers.
          Message: JSON.stringify({ type: notification.type, alertId: notification.alertId, category: notification.category, severity: notification.severity }),
          MessageAttributes: { type: { DataType: 'String', StringValue: notification.type } },
        }),
      );
    },
  };
}
