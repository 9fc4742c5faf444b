import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeps } from '#shared/runtime.ts';
import type { Deps } from '#shared/deps.ts';
import type { LocalConfig } from '#shared/config.ts';
import { submitAlert } from '#shared/domain/alerts.ts';
import { decideReview } from '#shared/domain/reviews.ts';
import { checkBooking } from '#shared/domain/checks.ts';
import { disputeAlert, reinstateAlert, retractAlert } from '#shared/domain/lifecycle.ts';
import { networkStats } from '#shared/domain/stats.ts';
import { networkOverview } from '#shared/domain/overview.ts';
import { buildDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { replaceAlertTallies } from '#shared/adapters/dynamo/network-figures.ts';
import { alertHistoryMoves, statsItems } from '#shared/stats/counters.ts';
import type { ConsentClause } from '#shared/records.ts';
import { freshLocalConfig } from '../support/tables.ts';
import { checkRequest, newPracticeId, principal, publishTestClause, submission } from '../fakes/fixtures.ts';

/**
 * The statistics' counters against DynamoDB Local, after a scripted network story: six practices
 * report, reviewers of two others decide, one alert is disputed and reinstated, one retracted,
 * and five practices screen. The counters moved in the actions' own transactions must add up to
 * the story, figure by figure, with the suppression applied; and the backfill (`recount-alerts`),
 * replaying the stored alerts, must arrive at exactly the same alert counters.
 */
let deps: Deps;
let config: LocalConfig;
let clause: ConsentClause;
let dataDir: string;
const reporters = Array.from({ length: 6 }, () => principal('practice', newPracticeId()));
const reviewers = [principal('reviewer', newPracticeId()), principal('reviewer', newPracticeId())];
const admin = principal('admin');
const phone = (i: number) => `+1 860 555 02${String(i).padStart(2, '0')}`;
const start = Date.parse('2026-11-20T09:00:00Z');
let at = start;
const clockAt = (hoursAfterStart: number) => (at = start + hoursAfterStart * 3_600_000);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'peerguard-stats-'));
  config = await freshLocalConfig(dataDir);
  deps = { ...buildDeps(config), clock: () => new Date(at) };
  clause = await publishTestClause(deps);

  const alertIds: string[] = [];
  clockAt(0);
  for (const [i, reporter] of reporters.entries())
    alertIds.push((await submitAlert(deps, reporter, submission(clause, { subject: { phone: phone(i) } }))).alertId);
  // Five published (three within 2 hours of submission, two within 24), one rejected.
  for (const [i, alertId] of alertIds.slice(0, 5).entries()) {
    clockAt(i < 3 ? 1.5 : 20);
    for (const reviewer of reviewers) await decideReview(deps, reviewer, alertId, { decision: 'approve', reason: 'Consent and account hold up.' });
  }
  clockAt(30);
  await decideReview(deps, reviewers[0]!, alertIds[5]!, { decision: 'reject', reason: 'No consent on file.' });
  clockAt(31);
  await disputeAlert(deps, admin, alertIds[0]!, 'The client disputes it through counsel.');
  await reinstateAlert(deps, admin, alertIds[0]!, 'Upheld.');
  await retractAlert(deps, reporters[4]!, alertIds[4]!, 'Entered against the wrong client.');
  // Five practices each screen a booking matching another practice's published alert (0..3 are published), and one that matches nothing.
  clockAt(32);
  for (const [i, screener] of reporters.slice(0, 5).entries()) {
    await checkBooking(deps, screener, checkRequest({ phone: phone((i + 1) % 4) }));
    await checkBooking(deps, screener, checkRequest({ phone: '+1 203 555 0111' }));
  }
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const hidden = (reason = 'fewer_than_k_practices') => ({ suppressed: true, reason });
const shown = (value: number) => ({ suppressed: false, value });

describe('statistics after a scripted story (DynamoDB Local)', () => {
  it('add up to the story, with figures behind fewer than 5 practices or alerts suppressed', async () => {
    const stats = await networkStats(deps);
    expect(stats.k).toBe(5);
    expect(stats.window).toEqual({ from: '2026-11-08', to: '2026-11-21', days: 14 });
    expect(stats.alerts.submitted).toEqual(shown(6));
    expect(stats.alerts.byCategory.sexual_misconduct).toEqual(shown(6));
    expect(stats.alerts.byCategory.harassment).toEqual(hidden());
    // Published now: the alerts of four practices (the fifth was retracted).
    expect(stats.alerts.byStatus.published).toEqual(hidden());
    expect(stats.alerts.byStatus.rejected).toEqual(hidden());
    expect(stats.outcomes.published).toEqual(shown(5));
    expect(stats.outcomes.rejected).toEqual(hidden());
    expect(stats.outcomes.retracted).toEqual(hidden());
    expect(stats.outcomes.disputes).toEqual({ opened: hidden(), upheld: hidden(), removed: hidden(), open: hidden() });
    // Decided after 1.5 h (three), 20 h (two) and 30 h (one): half within 2 hours, nine in ten within 48.
    expect(stats.reviewTimes).toEqual({ decided: shown(6), medianHoursAtMost: shown(2), p90HoursAtMost: shown(48) });
    expect(stats.checks.total).toEqual(shown(10));
    expect(stats.checks.perDay.at(-1)).toEqual({ day: '2026-11-21', checks: shown(10) });
    expect(stats.checks.perDay.slice(0, -1).every(({ checks }) => checks.suppressed)).toBe(true);
    // Five practices matched, but only four distinct alerts: hidden for the alerts.
    expect(stats.checks.matches.strong).toEqual(hidden('fewer_than_k_alerts'));
    expect(stats.checks.matchRate.strong).toEqual(hidden('fewer_than_k_alerts'));
    expect(stats.checks.matches.possible).toEqual(hidden());
    expect(stats.notices).toEqual({ quotaExceeded: hidden(), possibleEnumeration: hidden() });
  });

  it("keep the overview's counts as they were", async () => {
    const overview = await networkOverview(deps);
    expect(overview.alertsByStatus).toEqual({ pending_review: 0, published: 4, rejected: 1, suspended: 0, retracted: 1, expired: 0 });
    expect(overview.checksPerDay.at(-1)).toEqual({ day: '2026-11-21', checks: 10, matches: 5 });
  });

  it('are what the backfill arrives at by replaying the stored alerts', async () => {
    const items = [statsItems.alerts, statsItems.alertEvents];
    const meaningful = (read: Awaited<ReturnType<Deps['figures']['tallies']>>) =>
      Object.fromEntries(
        items.map((item) => [
          item,
          Object.fromEntries(
            Object.entries(read.get(item) ?? {})
              .filter(([, tally]) => tally.count !== 0)
              .map(([counter, tally]) => [
                counter,
                { count: tally.count, practices: [...tally.practices].sort(), alerts: tally.alerts && [...tally.alerts].sort() },
              ]),
          ),
        ]),
      );
    const live = meaningful(await deps.figures.tallies(items));
    expect(Object.keys(live[statsItems.alertEvents]!)).toContain('review#48');

    const client = buildDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT });
    const stored = await deps.alerts.getMany((await deps.alerts.summaries({})).map(({ alertId }) => alertId));
    await replaceAlertTallies(client, config.MAIN_TABLE, stored.flatMap(alertHistoryMoves));
    expect(meaningful(await deps.figures.tallies(items))).toEqual(live);
  });
});
