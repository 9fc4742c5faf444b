import type { Notification } from '../records.ts';

/**
 * The message body subscribers receive, built field by field for each type, so nothing a caller
 * adds to a notification object by mistake can ever reach a subscriber.
 */
export function notificationMessage(notification: Notification): Record<string, string | number> {
  switch (notification.type) {
    case 'alert.awaiting_review': {
      const { type, alertId, category, severity } = notification;
      return { type, alertId, category, severity };
    }
    case 'screening.quota_exceeded': {
      const { type, practiceId, window, limit, at } = notification;
      return { type, practiceId, window, limit, at };
    }
    case 'screening.possible_enumeration': {
      const { type, practiceId, budget, day, slowedUntil, at } = notification;
      return { type, practiceId, budget, day, slowedUntil, at };
    }
    default: {
      const { type, practiceId, alertId, category, severity, at } = notification;
      return { type, practiceId, alertId, category, severity, at };
    }
  }
}
