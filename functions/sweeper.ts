import { runSweep, type SweepReport } from '#shared/domain/sweep.ts';
import { sendMatchDigests, type DigestReport } from '#shared/domain/match-digest.ts';
import { lambdaDeps } from './http/lambda-deps.ts';

/**
 * The scheduled jobs (EventBridge schedules invoke it): the sweep every 15 minutes (no input), and
 * once a day the reporters' match digests (`{ "job": "match-digest" }`).
 */
export const handler = async (event?: { job?: unknown }): Promise<SweepReport | DigestReport> =>
  event?.job === 'match-digest' ? sendMatchDigests(lambdaDeps()) : runSweep(lambdaDeps());
