import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger, Notifier } from '../../ports.ts';
import type { Notification } from '../../records.ts';
import { notificationMessage } from '../../domain/notification-message.ts';

/** Notifications on a laptop: one JSON line per message in `DATA_DIR/notifications.jsonl`, and a log line. */
export function buildLocalNotifier(file: string, logger: Logger, clock: () => Date = () => new Date()): Notifier {
  return {
    publish: async (notification: Notification) => {
      const message = notificationMessage(notification);
      await mkdir(dirname(file), { recursive: true });
      await appendFile(file, `${JSON.stringify({ sentAt: clock().toISOString(), topic: notification.topic, ...message })}\n`, { mode: 0o600 });
      logger.info('notification sent', { topic: notification.topic, type: notification.type });
    },
  };
}
