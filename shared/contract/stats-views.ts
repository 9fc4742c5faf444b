import * as z from 'zod';
import { alertStatuses, categories, severities } from '../records.ts';
import { day } from './common.ts';

/**
 * The statistics' answers (GET /v1/stats, GET /v1/stats/summary). Every number is a Figure:
 * either its value, or `suppressed` with the reason when fewer than k practices or k alerts are
 * behind it (docs/statistics.md). A suppressed figure never carries a number.
 */
export const figureSchema = z
  .discriminatedUnion('suppressed', [
    z.strictObject({ suppressed: z.literal(false), value: z.number().min(0) }),
    z.strictObject({
      suppressed: z.literal(true),
      reason: z
        .enum(['fewer_than_k_practices', 'fewer_than_k_alerts'])
        .meta({ description: 'Fewer than `k` distinct practices, or (for a figure about alerts) fewer than `k` distinct alerts, are behind it.' }),
    }),
  ])
  .meta({ id: 'StatFigure', description: 'A number, or suppressed (never a small number): see docs/statistics.md.' });

const byKey = <const K extends readonly string[]>(keys: K) =>
  z.strictObject(Object.fromEntries(keys.map((key) => [key, figureSchema])) as Record<K[number], typeof figureSchema>);

const window = z
  .strictObject({ from: day, to: day, days: z.int().min(1) })
  .meta({ description: 'The UTC days the daily figures (checks, re-screening, notices) add up, today last. Alert figures count since counting began.' });
const k = z.int().min(2).meta({ description: 'The suppression threshold: a figure behind fewer than k practices or k alerts is suppressed.' });

const outcomes = z.strictObject({
  published: figureSchema.meta({ description: 'Alerts published by review.' }),
  rejected: figureSchema.meta({ description: 'Alerts rejected by review.' }),
  retracted: figureSchema.meta({ description: 'Published alerts retracted (by the submitting practice or the admin).' }),
  expired: figureSchema.meta({ description: 'Published alerts that reached their expiry.' }),
  disputes: z.strictObject({
    opened: figureSchema.meta({ description: 'Disputes: a published alert suspended by the admin.' }),
    upheld: figureSchema.meta({ description: 'Disputes ended by reinstatement (the record stands).' }),
    removed: figureSchema.meta({ description: 'Disputes ended by retraction.' }),
    open: figureSchema.meta({ description: 'Alerts suspended now.' }),
  }),
});
const reviewTimes = z.strictObject({
  decided: figureSchema.meta({ description: 'Alerts published or rejected by review: the histogram behind the two times.' }),
  medianHoursAtMost: figureSchema.meta({
    description:
      'Half of the decided alerts were decided within this many hours of submission (a histogram bound: 1, 2, 4, 8, 12, 24, 48, 72, 120, 168, 336 or 720).',
  }),
  p90HoursAtMost: figureSchema.meta({ description: 'Nine in ten were decided within this many hours (the same bounds; 720 means 30 days or more).' }),
});
const tiers = (description: string) => z.strictObject({ strong: figureSchema, possible: figureSchema }).meta({ description });
const checkTotals = {
  total: figureSchema.meta({ description: 'Bookings screened in the window.' }),
  matches: tiers("Screened bookings that matched, by the answer's confidence."),
  matchRate: tiers('Matches of the tier per booking screened in the window (0 to 1, four decimals).'),
};
const rescreen = z.strictObject({
  registrations: figureSchema.meta({ description: 'Upcoming bookings registered for re-screening in the window.' }),
  notifications: figureSchema.meta({ description: 'Registered bookings a newly published or reinstated alert matched (practices told) in the window.' }),
});

export const networkStatsSchema = z
  .strictObject({
    k,
    window,
    alerts: z.strictObject({
      byStatus: byKey(alertStatuses).meta({ description: 'Alerts by their stored status now.' }),
      byCategory: byKey(categories).meta({ description: 'Alerts submitted, by category.' }),
      bySeverity: byKey(severities).meta({ description: 'Alerts submitted, by severity.' }),
      submitted: figureSchema.meta({ description: 'Alerts submitted.' }),
    }),
    outcomes,
    reviewTimes,
    checks: z.strictObject({
      perDay: z.array(z.strictObject({ day, checks: figureSchema })).meta({ description: 'Bookings screened per UTC day, oldest first, today last.' }),
      ...checkTotals,
    }),
    rescreen,
    notices: z.strictObject({
      quotaExceeded: figureSchema.meta({ description: 'Security notices of a practice over its screening quota.' }),
      possibleEnumeration: figureSchema.meta({ description: 'Security notices of many name-only guesses from one practice in an hour.' }),
    }),
  })
  .meta({ id: 'NetworkStats' });

export const statsSummarySchema = z
  .strictObject({
    k,
    window,
    alerts: z.strictObject({
      published: figureSchema.meta({ description: 'Alerts published (matching checks) now.' }),
      submitted: figureSchema.meta({ description: 'Alerts submitted.' }),
      byCategory: byKey(categories).meta({ description: 'Alerts submitted, by category.' }),
    }),
    outcomes,
    reviewTimes,
    checks: z.strictObject(checkTotals),
    rescreen,
  })
  .meta({ id: 'NetworkStatsSummary', description: 'The network-wide figures a report may cite: no identifier, no practice, no per-day series.' });
