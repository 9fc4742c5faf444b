import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger, Notification, NotificationTopic, Notifier } from '../../ports.ts';

/** Notifications on a laptop: one JSON line per message in `DATA_DIR/notifications.jsonl`, and a log line. */
export function buildLocalNotifier(file: string, logger: Logger, clock: () => Date = () => new Date()): Notifier {
  return {
    publish: async (topic: NotificationTopic, notification: Notification) => {
      await mkdir(dirname(file), { recursive: true });
      await appendFile(file, `${JSON.stringify({ at: clock().toISOString(), topic, ...notification })}\n`, { mode: 0o600 });
      logger.info('notification sent', { topic, type: notification.type, alertId: notification.alertId });
    },
  };
}
