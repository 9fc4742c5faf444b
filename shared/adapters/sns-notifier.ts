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
          Message: JSON.stringify(notification),
          MessageAttributes: { type: { DataType: 'String', StringValue: notification.type } },
        }),
      );
    },
  };
}
