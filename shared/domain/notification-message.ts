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
    case 'screening.booking_matched': {
      const { type, practiceId, source, bookingUid, checkId, confidence, category, severity, bookingAction, at } = notification;
      return { type, practiceId, source, bookingUid, checkId, confidence, category, severity, bookingAction, at };
    }
    case 'screening.possible_enumeration': {
      const { type, practiceId, budget, day, slowedUntil, at } = notification;
      return { type, practiceId, budget, day, slowedUntil, at };
    }
    case 'audit.subject_tokens': {
      const { type, keyId, lookupsToday, limit, at } = notification;
      return { type, keyId, lookupsToday, limit, at };
    }
    case 'governance.practice_created': {
      const { type, practiceId, byKeyId, at } = notification;
      return { type, practiceId, byKeyId, at };
    }
    case 'governance.key_created': {
      const { type, keyId, role, practiceId, byKeyId, at } = notification;
      return { type, keyId, role, ...(practiceId === undefined ? {} : { practiceId }), byKeyId, at };
    }
    case 'booking.rescreen_matched': {
      const { type, practiceId, ref, appointmentOn, checkId, confidence, category, severity, at } = notification;
      return { type, practiceId, ref, appointmentOn, checkId, confidence, category, severity, at };
    }
    case 'alert.match_digest': {
      const { type, practiceId, alertId, day, matches } = notification;
      return { type, practiceId, alertId, day, matches };
    }
    case 'audit.tampered': {
      const { type, change, chain, seq, at } = notification;
      return { type, change, chain, seq, at };
    }
    default: {
      const { type, practiceId, alertId, category, severity, at } = notification;
      return { type, practiceId, alertId, category, severity, at };
    }
  }
}
