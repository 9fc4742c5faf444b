import type { SNSClient } from '@aws-sdk/client-sns';
import type { Notifier } from '../ports.ts';
import type { Notification, NotificationTopic } from '../records.ts';
import { notificationMessage } from '../domain/notification-message.ts';

/**
 * Notifications in AWS: one SNS topic per audience. The practices topic's messages carry the
 * practice id as a message attribute, which each practice's subscription filter policy matches.
 */
export function buildSnsNotifier(client: SNSClient, topicArns: Record<NotificationTopic, string>): Notifier {
  return {
    publish: async (notification: Notification) => {
      const message = notificationMessage(notification);
      const { PublishCommand } = await import('@aws-sdk/client-sns');
      await client.send(
        new PublishCommand({
          TopicArn: topicArns[notification.topic],
          Subject: `Peerguard: ${notification.type}`,
          Message: JSON.stringify(message),
          MessageAttributes: {
            type: { DataType: 'String', StringValue: notification.type },
            ...('practiceId' in notification ? { practiceId: { DataType: 'String', StringValue: notification.practiceId } } : {}),
          },
        }),
      );
    },
  };
}
