import type { RouteDocs } from './define.ts';
import { networkStatsSchema, statsSummarySchema } from './stats-views.ts';

const suppressed = { suppressed: true, reason: 'fewer_than_k_practices' } as const;
const n = (value: number) => ({ suppressed: false, value }) as const;
const example = {
  k: 5,
  window: { from: '2026-11-08', to: '2026-11-21', days: 14 },
  outcomes: {
    published: n(41),
    rejected: n(6),
    retracted: n(5),
    expired: suppressed,
    disputes: { opened: n(5), upheld: suppressed, removed: suppressed, open: suppressed },
  },
  reviewTimes: { decided: n(47), medianHoursAtMost: n(24), p90HoursAtMost: n(72) },
  checks: { total: n(9130), matches: { strong: n(12), possible: n(9) }, matchRate: { strong: n(0.0013), possible: n(0.001) } },
  rescreen: { registrations: n(2210), notifications: suppressed },
};
const byCategory = { sexual_misconduct: n(22), harassment: n(14), threat_or_violence: n(7), boundary_violation: n(6), other_safety: suppressed };

/** The statistics routes' documentation, part of the admin group's contract (shared/contract/admin.ts). */
export const statsRouteDocs = {
  'GET /v1/stats': {
    operationId: 'getNetworkStats',
    summary: 'Network statistics',
    description:
      'Alerts by status, category and severity; publications, rejections, disputes and their outcomes; review times (median and 90th percentile, as histogram bounds); ' +
      'bookings screened per UTC day for the last 14 days and the match rate by tier; booking registrations and re-screen notifications; quota and possible-enumeration notices. ' +
      'Read from counters kept as the network works, never by reading alerts or the audit log. Any figure behind fewer than `k` practices or `k` alerts (5 unless configured) ' +
      'is `{"suppressed": true, "reason": ...}`, never a small number: see docs/statistics.md.',
    tags: ['Statistics'],
    responses: {
      200: {
        description: 'The statistics.',
        schema: networkStatsSchema,
        examples: {
          stats: {
            summary: 'A network of a dozen practices',
            value: {
              ...example,
              alerts: {
                byStatus: { pending_review: suppressed, published: n(30), rejected: n(6), suspended: suppressed, retracted: n(5), expired: suppressed },
                byCategory,
                bySeverity: { low: n(9), medium: n(20), high: n(20) },
                submitted: n(49),
              },
              checks: { ...example.checks, perDay: [{ day: '2026-11-21', checks: n(655) }] },
              notices: { quotaExceeded: suppressed, possibleEnumeration: suppressed },
            },
          },
        },
      },
    },
  },
  'GET /v1/stats/summary': {
    operationId: 'getStatsSummary',
    summary: 'Network statistics, public summary',
    description:
      "The network-wide figures a funder's or overseer's report can cite: alerts published and submitted, outcomes, review times, bookings screened and match rates, re-screening. " +
      'Needs no API key and holds no identifier, no practice and no per-day series; the same suppression as GET /v1/stats applies. Cacheable for 5 minutes.',
    tags: ['Statistics'],
    responses: {
      200: {
        description: 'The summary.',
        schema: statsSummarySchema,
        examples: { summary: { summary: 'A network of a dozen practices', value: { ...example, alerts: { published: n(30), submitted: n(49), byCategory } } } },
      },
    },
  },
} as const satisfies Record<string, RouteDocs>;
