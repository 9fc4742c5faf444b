import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeps } from '#shared/runtime.ts';
import type { Deps } from '#shared/deps.ts';
import { submitAlert } from '#shared/domain/alerts.ts';
import { decideReview } from '#shared/domain/reviews.ts';
import { checkBooking } from '#shared/domain/checks.ts';
import { ConflictError } from '#shared/errors.ts';
import { StaleAlertError } from '#shared/ports.ts';
import type { ConsentClause } from '#shared/records.ts';
import { freshLocalConfig } from '../support/tables.ts';
import { collect } from '../support/collect.ts';
import { checkRequest, newPracticeId, principal, publishTestClause, submission } from '../fakes/fixtures.ts';

/**
 * The stores against real DynamoDB Local: concurrent requests racing for the same alert or
 * the same idempotency key end with exactly one outcome, through conditional writes and
 * transactions — no mock in between.
 */
let deps: Deps;
let clause: ConsentClause;
let dataDir: string;
const practiceA = principal('practice', newPracticeId());
const reviewers = [principal('reviewer', newPracticeId()), principal('reviewer', newPracticeId()), principal('reviewer', newPracticeId())];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'peerguard-races-'));
  deps = buildDeps(await freshLocalConfig(dataDir));
  clause = await publishTestClause(deps);
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

let phoneCounter = 0;
const uniqueSubject = () => ({
  subject: { phone: `+1 860 555 01${String(phoneCounter++).padStart(2, '0')}`, email: undefined, fullName: undefined, dateOfBirth: undefined },
});
const approve = (reviewer: (typeof reviewers)[number], alertId: string) => decideReview(deps, reviewer, alertId, { decision: 'approve', reason: 'ok' });

describe('racing review decisions', () => {
  it('three approvals racing for a quorum of two publish exactly once', async () => {
    const parts = uniqueSubject();
    const { alertId } = await submitAlert(deps, practiceA, submission(clause, parts));
    const results = await Promise.allSettled(reviewers.map((reviewer) => approve(reviewer, alertId)));
    const stored = (await deps.alerts.get(alertId))!;
    expect(stored.status).toBe('published');
    expect(stored.history.filter((entry) => entry.action === 'published')).toHaveLength(1);
    // The late approver finds the alert already published: a 409, not a second publication.
    expect(results.filter((result) => result.status === 'fulfilled').length).toBeGreaterThanOrEqual(2);
    for (const result of results) if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(ConflictError);
    expect((await checkBooking(deps, practiceA, checkRequest({ phone: parts.subject.phone }))).result).toBe('match');
  });

  it('an approval racing a rejection ends in exactly one outcome, and matching agrees with it', async () => {
    const parts = uniqueSubject();
    const { alertId } = await submitAlert(deps, practiceA, submission(clause, parts));
    await approve(reviewers[0]!, alertId);
    const results = await Promise.allSettled([
      approve(reviewers[1]!, alertId),
      decideReview(deps, reviewers[2]!, alertId, { decision: 'reject', reason: 'no' }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const stored = (await deps.alerts.get(alertId))!;
    expect(['published', 'rejected']).toContain(stored.status);
    const check = await checkBooking(deps, practiceA, checkRequest({ phone: parts.subject.phone }));
    expect(check.result).toBe(stored.status === 'published' ? 'match' : 'no_match');
  });

  it('a write naming a stale version is refused by the database', async () => {
    const { alertId } = await submitAlert(deps, practiceA, submission(clause, uniqueSubject()));
    const stored = (await deps.alerts.get(alertId))!;
    const audit = { events: [], now: deps.clock() };
    await deps.alerts.update({ ...stored, version: stored.version + 1 }, stored.version, undefined, audit);
    await expect(deps.alerts.update({ ...stored, version: stored.version + 1 }, stored.version, undefined, audit)).rejects.toBeInstanceOf(StaleAlertError);
  });
});

describe('idempotent submission under concurrency', () => {
  it('the same submission sent ten times at once creates one alert and answers the same ten times', async () => {
    const body = submission(clause, uniqueSubject());
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => submitAlert(deps, practiceA, body, { idempotencyKey: 'retry-storm-1' })));
    const answers = results.filter((result) => result.status === 'fulfilled').map((result) => result.value);
    // DynamoDB may cancel a few overlapping transactions outright; those answer 503 and the client retries.
    expect(answers.length).toBeGreaterThanOrEqual(1);
    expect(new Set(answers.map((answer) => answer.alertId)).size).toBe(1);
    const pending = await collect(deps.alerts.pendingReview());
    const ids = new Set(pending.map((alert) => alert.alertId));
    const created = [...ids].filter((id) => answers.some((answer) => answer.alertId === id));
    expect(created).toHaveLength(1);
    const retry = await submitAlert(deps, practiceA, body, { idempotencyKey: 'retry-storm-1' });
    expect(retry.alertId).toBe(answers[0]!.alertId);
  });

  it('forgets a key after 24 hours, even though DynamoDB Local never deletes by TTL', async () => {
    let now = new Date();
    const later = buildDeps(await freshLocalConfig(dataDir), { clock: () => now });
    const laterClause = await publishTestClause(later);
    const first = await submitAlert(later, practiceA, submission(laterClause, uniqueSubject()), { idempotencyKey: 'daily-sync' });
    now = new Date(now.getTime() + 25 * 3_600_000);
    const second = await submitAlert(later, practiceA, submission(laterClause, uniqueSubject()), { idempotencyKey: 'daily-sync' });
    expect(second.alertId).not.toBe(first.alertId);
  });
});
