import type { Deps } from '../deps.ts';
import type { Notification, NotificationTopic } from '../ports.ts';

/**
 * Notifications never fail the request that caused them: a failure is logged (with the
 * alert id and type only) and the request goes on.
 */
export async function notifySafely(deps: Pick<Deps, 'notifier' | 'logger'>, topic: NotificationTopic, notification: Notification): Promise<void> {
  try {
    await deps.notifier.publish(topic, notification);
  } catch (error) {
    deps.logger.error('notification failed', {
      topic,
      type: notification.type,
      alertId: notification.alertId,
      errorName: error instanceof Error ? error.name : 'unknown',
    });
  }
}
