import type { Deps } from '../deps.ts';
import { isoInstant } from '../dates.ts';
import { errorName } from '../errors.ts';
import { newId } from '../ids.ts';
import { metricNames } from '../metric-names.ts';
import type { FailedNotification, Notification, SecurityNotification } from '../records.ts';

/** Attempts per delivery, and the pause before each retry. */
const deliveryPauses = [50, 250] as const;

/** What the log says about a notification: its topic, type and ids; never more. */
function describe(notification: Notification) {
  return {
    topic: notification.topic,
    type: notification.type,
    ...('alertId' in notification ? { alertId: notification.alertId } : {}),
    ...('practiceId' in notification ? { practiceId: notification.practiceId } : {}),
  };
}

/**
 * Sends a notification without ever failing the request that caused it, and without losing it:
 * it is retried, and if it still cannot be sent it is kept in the outbox (which the scheduled
 * sweep redelivers), logged as `notification failed` and counted (metric
 * NotificationPublishFailures), which the operations alarm watches.
 */
export async function notifySafely(
  deps: Pick<Deps, 'notifier' | 'outbox' | 'logger' | 'clock' | 'metrics'> & Partial<Pick<Deps, 'figures'>>,
  notification: Notification,
): Promise<void> {
  if (notification.topic === 'security') await keepNotice(deps, notification);
  let lastError: unknown;
  for (let attempt = 0; attempt <= deliveryPauses.length; attempt += 1) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, deliveryPauses[attempt - 1]));
    try {
      await deps.notifier.publish(notification);
      return;
    } catch (error) {
      lastError = error;
    }
  }
  const now = deps.clock();
  const failure: FailedNotification = { failureId: newId('ntf', now), failedAt: isoInstant(now), attempts: deliveryPauses.length + 1, notification };
  const failedWith = errorName(lastError);
  deps.metrics.count(metricNames.notificationPublishFailed);
  try {
    await deps.outbox.record(failure);
    deps.logger.error('notification failed', { ...describe(notification), attempts: failure.attempts, errorName: failedWith, kept: failure.failureId });
  } catch (outboxError) {
    deps.logger.error('notification failed', {
      ...describe(notification),
      attempts: failure.attempts,
      errorName: failedWith,
      lost: true,
      outboxError: errorName(outboxError),
    });
  }
}

/**
 * A security notice is kept for the admin's overview as it is sent (whether or not the topic
 * takes it at once). Failing to keep it is logged, and never fails the request or the sending.
 */
async function keepNotice(deps: Pick<Deps, 'logger'> & Partial<Pick<Deps, 'figures'>>, notice: SecurityNotification): Promise<void> {
  if (!deps.figures) return;
  try {
    await deps.figures.recordNotice(notice);
  } catch (error) {
    deps.logger.warn('security notice not kept for the overview', { ...describe(notice), errorName: errorName(error) });
  }
}

/** Redelivers notifications kept in the outbox, oldest first; each one sent is removed. */
export async function redeliverNotifications(deps: Pick<Deps, 'notifier' | 'outbox' | 'logger'>, limit = 100): Promise<{ sent: number; failed: number }> {
  let sent = 0;
  let failed = 0;
  for (const failure of await deps.outbox.list(limit)) {
    try {
      await deps.notifier.publish(failure.notification);
      await deps.outbox.remove(failure);
      sent += 1;
    } catch (error) {
      failed += 1;
      deps.logger.warn('notification redelivery failed', { ...describe(failure.notification), failureId: failure.failureId, errorName: errorName(error) });
    }
  }
  return { sent, failed };
}
