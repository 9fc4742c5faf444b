import type { Deps } from '../deps.ts';
import { effectiveStatus } from '../alerts/state-machine.ts';
import { ForbiddenError } from '../errors.ts';
import { isId } from '../ids.ts';
import type { AlertStatus, Principal } from '../records.ts';
import { alertView } from './alert-views.ts';

export const defaultListLimit = 25;
export const maxListLimit = 100;
/** The most alerts a reviewer's "decided" list holds: their latest decisions. */
export const decidedLimit = 100;

export interface AlertListQuery {
  readonly status?: AlertStatus | undefined;
  readonly limit: number;
  /** Where the previous page ended (decoded from the opaque cursor): only older alerts follow. */
  readonly before?: string | undefined;
}

export interface AlertPage {
  items: Record<string, unknown>[];
  nextCursor?: string;
}

/**
 * GET /v1/alerts: a practice's own alerts, or every alert of the network for an admin, newest
 * first (alert ids sort by submission time), each as GET /v1/alerts/{alertId} shows it to that
 * role. `status` is the status a reader sees now (a published alert past its expiry is expired).
 * The list fields of the whole scope come from the by-kind index; only the page's alerts are
 * then read whole.
 */
export async function listAlerts(deps: Pick<Deps, 'alerts' | 'cipher' | 'clock'>, viewer: Principal, query: AlertListQuery): Promise<AlertPage> {
  if (viewer.role !== 'admin' && viewer.role !== 'practice') throw new ForbiddenError('Only practice and admin keys list alerts.');
  if (viewer.role === 'practice' && !viewer.practiceId) throw new ForbiddenError('This API key belongs to no practice.');
  const scope = viewer.role === 'practice' ? { practiceId: viewer.practiceId } : {};
  const now = deps.clock();
  const candidates = (await deps.alerts.summaries(scope))
    .filter((summary) => query.before === undefined || summary.alertId < query.before)
    .filter((summary) => query.status === undefined || effectiveStatus(summary, now) === query.status)
    .sort((a, b) => (a.alertId < b.alertId ? 1 : a.alertId > b.alertId ? -1 : 0));
  const page = candidates.slice(0, query.limit);
  // Read whole, as they are now: one that changed status since the index saw it is left out of a filtered page.
  const alerts = (await deps.alerts.getMany(page.map(({ alertId }) => alertId))).filter(
    (alert) => query.status === undefined || effectiveStatus(alert, now) === query.status,
  );
  const items = await Promise.all(alerts.map((alert) => alertView(deps, alert, viewer)));
  return candidates.length > query.limit ? { items, nextCursor: encodeListCursor(page.at(-1)!.alertId) } : { items };
}

/** GET /v1/reviews/decided: the alerts this reviewer key decided, latest decision first, as the reviewer sees them. */
export async function decidedAlerts(deps: Pick<Deps, 'alerts' | 'cipher' | 'clock'>, reviewer: Principal): Promise<{ items: Record<string, unknown>[] }> {
  const alerts = await deps.alerts.decidedBy(reviewer.keyId, decidedLimit);
  return { items: await Promise.all(alerts.map((alert) => alertView(deps, alert, reviewer))) };
}

/** The opaque cursor of an alert list: where the page ended. */
export function encodeListCursor(alertId: string): string {
  return Buffer.from(JSON.stringify({ before: alertId }), 'utf8').toString('base64url');
}

/** The alert id a cursor of ours names, or undefined for anything else. */
export function decodeListCursor(value: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(value)) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    const before = (parsed as { before?: unknown } | null)?.before;
    return typeof before === 'string' && isId(before, 'alt') && Object.keys(parsed as object).length === 1 ? before : undefined;
  } catch {
    return undefined;
  }
}
