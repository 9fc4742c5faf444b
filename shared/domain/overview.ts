import type { Deps } from '../deps.ts';
import { addDays, isoDate } from '../dates.ts';
import type { AlertStatus, DayFigures, SecurityNotification } from '../records.ts';

/** The UTC days the overview's screening figures cover (today included). */
export const overviewDays = 14;
/** The most security notices the overview lists. */
export const overviewNotices = 50;

export interface NetworkOverview {
  alertsByStatus: Record<AlertStatus, number>;
  checksPerDay: DayFigures[];
  notices: Omit<SecurityNotification, 'topic'>[];
}

/**
 * GET /v1/overview (admin): alerts by status, checks and matches per UTC day for the last 14 days
 * (oldest first, today last, days without checks as zeros), and the latest security notices
 * (newest first). Read from counters kept as the network works, never by reading alerts or the
 * audit log. Alerts are counted by their stored status: one past its expiry counts as published
 * until the expiry sweep moves it (at most one sweep interval).
 */
export async function networkOverview(deps: Pick<Deps, 'figures' | 'clock'>): Promise<NetworkOverview> {
  const today = deps.clock();
  const days = Array.from({ length: overviewDays }, (_, i) => isoDate(addDays(today, i - overviewDays + 1)));
  const [alertsByStatus, checksPerDay, notices] = await Promise.all([
    deps.figures.alertsByStatus(),
    deps.figures.checksPerDay(days),
    deps.figures.latestNotices(overviewNotices),
  ]);
  return { alertsByStatus, checksPerDay, notices: notices.map(({ topic: _topic, ...notice }) => notice) };
}
