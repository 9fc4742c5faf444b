/** `stats [--public]`: the network's statistics (admin key), or the public summary (no key). */
import type { Command } from '../command.ts';
import { exitCodes } from '../exit-codes.ts';

type Figure = { suppressed: false; value: number } | { suppressed: true; reason: 'fewer_than_k_practices' | 'fewer_than_k_alerts' };

/** A figure as a person reads it: the number, or why it is hidden (never a small number). */
export function figureText(figure: Figure, k: number): string {
  if (!figure.suppressed) return String(figure.value);
  return figure.reason === 'fewer_than_k_alerts' ? `hidden (fewer than ${k} alerts)` : `hidden (fewer than ${k} practices)`;
}
const percent = (figure: Figure, k: number) => (figure.suppressed ? figureText(figure, k) : `${(figure.value * 100).toFixed(2)}%`);
const hours = (figure: Figure, k: number) => (figure.suppressed ? figureText(figure, k) : `within ${figure.value} h`);
const list = (figures: Record<string, Figure>, k: number) =>
  Object.entries(figures)
    .map(([name, figure]) => `${name.replaceAll('_', ' ')} ${figureText(figure, k)}`)
    .join(', ');

export const stats: Command = {
  name: 'stats',
  summary: 'the network statistics (admin key), or with --public the public summary (no key)',
  usage: '[--public]',
  positionals: 0,
  options: { public: { type: 'boolean', description: 'the public summary a report may cite (GET /v1/stats/summary): no key needed' } },
  server: true,
  examples: ['peerguard stats --local-admin', 'peerguard stats --public --url https://api.example.org --json'],
  details: [
    'A figure counted from fewer than k practices or k alerts (k is 5 unless the network configures it) is shown as hidden, never as a number (docs/statistics.md).',
  ],
  async run(context) {
    const api = await context.api({ keyRequired: !context.values.public });
    const answer = context.values.public ? await api.statsSummary() : await api.stats();
    const { k, window } = answer;
    const lines = [
      `Network statistics${context.values.public ? ' (public summary)' : ''}: figures behind fewer than ${k} practices or alerts are hidden.`,
      'Alerts (since counting began):',
      'byStatus' in answer.alerts ? `  now: ${list(answer.alerts.byStatus, k)}` : `  published now: ${figureText(answer.alerts.published, k)}`,
      `  submitted: ${figureText(answer.alerts.submitted, k)}; by category: ${list(answer.alerts.byCategory, k)}`,
      ...('bySeverity' in answer.alerts ? [`  by severity: ${list(answer.alerts.bySeverity, k)}`] : []),
      `  published ${figureText(answer.outcomes.published, k)}, rejected ${figureText(answer.outcomes.rejected, k)}, retracted ${figureText(answer.outcomes.retracted, k)}, expired ${figureText(answer.outcomes.expired, k)}`,
      `  disputes: ${list(answer.outcomes.disputes, k)}`,
      `  review time: median ${hours(answer.reviewTimes.medianHoursAtMost, k)}, 90th percentile ${hours(answer.reviewTimes.p90HoursAtMost, k)} (${figureText(answer.reviewTimes.decided, k)} decided)`,
      `Screening, ${window.from} to ${window.to}:`,
      `  bookings screened: ${figureText(answer.checks.total, k)}; matches strong ${figureText(answer.checks.matches.strong, k)} (${percent(answer.checks.matchRate.strong, k)}), possible ${figureText(answer.checks.matches.possible, k)} (${percent(answer.checks.matchRate.possible, k)})`,
      ...('perDay' in answer.checks ? answer.checks.perDay.map(({ day, checks }) => `  ${day}: ${figureText(checks, k)}`) : []),
      `  bookings registered for re-screening: ${figureText(answer.rescreen.registrations, k)}; re-screen notifications: ${figureText(answer.rescreen.notifications, k)}`,
      ...('notices' in answer
        ? [
            `Security notices: over quota ${figureText(answer.notices.quotaExceeded, k)}, possible enumeration ${figureText(answer.notices.possibleEnumeration, k)}`,
          ]
        : []),
    ];
    context.report(answer, lines);
    return exitCodes.ok;
  },
};
