import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { buildDeps } from '#shared/runtime.ts';
import type { Deps } from '#shared/deps.ts';
import type { LocalConfig } from '#shared/config.ts';
import { submitAlert } from '#shared/domain/alerts.ts';
import { decideReview } from '#shared/domain/reviews.ts';
import { disputeAlert, reconfirmAlert, reinstateAlert, retractAlert } from '#shared/domain/lifecycle.ts';
import { subjectTokens } from '#shared/domain/audit.ts';
import { runSweep } from '#shared/domain/sweep.ts';
import { buildDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { maxHistory, maxReviews } from '#shared/alerts/bounds.ts';
import { ConflictError, RecordTooLargeError, TooManyRequestsError } from '#shared/errors.ts';
import type { ConsentClause, Principal } from '#shared/records.ts';
import { freshLocalConfig } from '../support/tables.ts';
import { newPracticeId, principal, publishTestClause, submission } from '../fakes/fixtures.ts';

/**
 * Against real DynamoDB Local, which enforces the 400 KB item limit: an alert stays removable
 * whatever its members do. One reviewer re-confirming eighty times used to push the item past
 * the limit, after which dispute and retract failed with a 500 and the expiry sweep stopped;
 * now the largest alert the rules allow is written, disputed and retracted, and an oversized
 * write is a RecordTooLargeError (409), never an unexplained failure.
 */
let deps: Deps;
let config: LocalConfig;
let clause: ConsentClause;
let dataDir: string;
const practiceA = principal('practice', newPracticeId());
const admin = principal('admin');
/** Three bytes in UTF-8, one UTF-16 unit: the longest text a length cap in characters allows. */
const wide = (characters: number) => '漢'.repeat(characters);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'peerguard-alert-size-'));
  // A 30-day period and a 60-day window: re-confirmation is always open. Tokens are removable at once.
  config = await freshLocalConfig(dataDir, {
    ALERT_TTL_DAYS: '30',
    RECONFIRM_WINDOW_DAYS: '60',
    TOKEN_RETENTION_DAYS: '0',
    SUBJECT_TOKEN_LOOKUPS_PER_DAY: '3',
  });
  deps = buildDeps(config);
  clause = await publishTestClause(deps);
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

let phones = 0;
const uniqueSubject = () => ({ phone: `+1 860 555 02${String(phones++).padStart(2, '0')}`, email: undefined, fullName: undefined, dateOfBirth: undefined });

async function published(): Promise<string> {
  const { alertId } = await submitAlert(deps, practiceA, submission(clause, { subject: uniqueSubject() }));
  await decideReview(deps, principal('reviewer', newPracticeId()), alertId, { decision: 'approve', reason: 'ok' });
  await decideReview(deps, principal('reviewer', newPracticeId()), alertId, { decision: 'approve', reason: 'ok' });
  return alertId;
}

async function storedBytes(alertId: string): Promise<number> {
  const client = buildDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT });
  const { Item } = await client.send(new GetCommand({ TableName: config.MAIN_TABLE, Key: { pk: `ALERT#${alertId}`, sk: 'ALERT' } }));
  return Buffer.byteLength(JSON.stringify(Item), 'utf8');
}

describe('an alert stays removable', () => {
  it('one reviewer re-confirming eighty times with the longest reasons: refused after once, and dispute and retract still work', async () => {
    const alertId = await published();
    const reviewer: Principal = principal('reviewer', newPracticeId());
    let refused = 0;
    for (let i = 0; i < 80; i += 1) {
      try {
        await reconfirmAlert(deps, reviewer, alertId, wide(2_000));
      } catch (error) {
        expect(error).toBeInstanceOf(ConflictError);
        refused += 1;
      }
    }
    expect(refused).toBe(79);
    await expect(disputeAlert(deps, admin, alertId, wide(2_000))).resolves.toMatchObject({ status: 'suspended' });
    await expect(retractAlert(deps, admin, alertId, wide(2_000))).resolves.toMatchObject({ status: 'retracted' });
  }, 60_000);

  it('the largest alert the rules allow fits with room to spare, and can still be disputed, reinstated and retracted', async () => {
    const { alertId } = await submitAlert(
      deps,
      practiceA,
      submission(clause, { subject: uniqueSubject(), incident: { summary: wide(10_000), actionsTaken: wide(5_000) } }),
    );
    const samePractice = newPracticeId();
    for (let i = 0; i < maxReviews - 1; i += 1)
      await decideReview(deps, principal('reviewer', samePractice), alertId, { decision: 'approve', reason: wide(2_000) });
    await decideReview(deps, principal('reviewer', newPracticeId()), alertId, { decision: 'approve', reason: wide(2_000) });
    for (let i = 0; i < maxHistory; i += 1) {
      await disputeAlert(deps, admin, alertId, wide(2_000));
      await reinstateAlert(deps, admin, alertId, wide(2_000));
    }
    await reconfirmAlert(deps, principal('reviewer', newPracticeId()), alertId, wide(2_000));
    const alert = (await deps.alerts.get(alertId))!;
    expect(alert.reviews).toHaveLength(maxReviews);
    expect(alert.history).toHaveLength(maxHistory);
    expect(alert.reconfirmations).toHaveLength(1);
    const bytes = await storedBytes(alertId);
    expect(bytes).toBeLessThan(360_000);
    console.info(`largest alert: ${bytes} bytes of JSON (DynamoDB's limit is 400 KB)`);
    await expect(disputeAlert(deps, admin, alertId, wide(2_000))).resolves.toMatchObject({ status: 'suspended' });
    await expect(retractAlert(deps, admin, alertId, wide(2_000))).resolves.toMatchObject({ status: 'retracted' });
  }, 120_000);

  it('a write past the limit is a RecordTooLargeError (a 409 problem), and changes nothing', async () => {
    const alertId = await published();
    const alert = (await deps.alerts.get(alertId))!;
    const oversized = {
      ...alert,
      history: [...alert.history, ...Array.from({ length: 60 }, () => ({ ...alert.history[0]!, reason: wide(3_000) }))],
      version: alert.version + 1,
    };
    const entries = (await deps.audit.head())!.seq;
    await expect(deps.alerts.update(oversized, alert.version, undefined, { events: [], now: new Date() })).rejects.toBeInstanceOf(RecordTooLargeError);
    expect((await deps.alerts.get(alertId))!.version).toBe(alert.version);
    expect((await deps.audit.head())!.seq).toBe(entries);
  });
});

describe('retention and metering on DynamoDB', () => {
  it('the sweep finds a rejected alert by its due date, removes its tokens, and a retraction deletes its emptied index items', async () => {
    const { alertId: rejected } = await submitAlert(deps, practiceA, submission(clause, { subject: uniqueSubject() }));
    await decideReview(deps, principal('reviewer', newPracticeId()), rejected, { decision: 'reject', reason: 'no' });
    const retracted = await published();
    const tokens = (await deps.alerts.get(retracted))!.tokens.map(({ token }) => token);
    await retractAlert(deps, practiceA, retracted, 'Wrong client.');
    const client = buildDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT });
    for (const token of tokens) expect((await client.send(new GetCommand({ TableName: config.TOKEN_TABLE, Key: { token } }))).Item).toBeUndefined();

    const report = await runSweep(deps);
    expect(report.tokensRemoved).toBeGreaterThanOrEqual(2);
    expect((await deps.alerts.get(rejected))!.tokens).toEqual([]);
    expect((await deps.alerts.get(retracted))!.tokens).toEqual([]);
    const head = (await deps.audit.head())!;
    expect((await deps.checkpoints.latest())!).toMatchObject({
      number: report.checkpoint,
      heads: expect.arrayContaining([{ chain: head.chain, seq: head.seq, hash: head.hash, at: head.at }]),
    });
  });

  it('counts "was this person checked" lookups per key per day with the audit entry, and refuses past the limit', async () => {
    const auditor = principal('auditor');
    for (let i = 0; i < 3; i += 1) await subjectTokens(deps, auditor, { phone: `+1 860 555 03${i}0` });
    const head = (await deps.audit.head())!.seq;
    await expect(subjectTokens(deps, auditor, { phone: '+1 860 555 0399' })).rejects.toBeInstanceOf(TooManyRequestsError);
    expect((await deps.audit.head())!.seq).toBe(head);
    await expect(subjectTokens(deps, principal('auditor'), { phone: '+1 860 555 0399' })).resolves.toMatchObject({
      tokens: [expect.objectContaining({ kind: 'phone' })],
    });
  });
});
