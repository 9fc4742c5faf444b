import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildAuditLog } from '#shared/adapters/dynamo/audit-log.ts';
import { buildScreeningLedger } from '#shared/adapters/dynamo/screening-ledger.ts';
import type { LocalConfig } from '#shared/config.ts';
import type { QuotaOutcome, ScreeningLimits, ScreeningPolicy } from '#shared/ports.ts';
import type { AuditBatch } from '#shared/records.ts';
import { freshLocalConfig } from '../support/tables.ts';
import { countingClient } from '../support/counting-client.ts';
import { intactChain, intactChains } from '../support/audit-chain.ts';

/**
 * Group commit over real DynamoDB Local: many checks at once, from several practices, some over
 * their quota. The chain stays whole, exactly the accepted checks are audited and counted, and
 * far fewer transactions are sent than there are checks.
 */
let config: LocalConfig;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'peerguard-group-commit-'));
  config = await freshLocalConfig(dataDir);
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** One "process": its own client, audit log and ledger, as one server or Lambda container has. */
function serverProcess(chains?: number) {
  const { client, sent } = countingClient(config.DYNAMODB_ENDPOINT);
  const audit = buildAuditLog(client, config.AUDIT_TABLE, { chains });
  return { client, sent, audit, ledger: buildScreeningLedger(client, config.MAIN_TABLE, audit) };
}

const checkEvent = (practiceId: string, checkId: string, now: Date): AuditBatch => ({
  events: [{ action: 'check.performed', actor: { keyId: `key_${practiceId}`, role: 'practice' }, targets: { practiceId, checkId }, outcome: 'success' }],
  now,
});

type Ledger = ReturnType<typeof serverProcess>['ledger'];
const policyOf = (quota: ScreeningLimits, guessesPerDay = 1_000_000, slowed: ScreeningLimits = { perMinute: 2, perDay: 5 }): ScreeningPolicy => ({
  quota,
  guesses: { perDay: guessesPerDay, slowed },
});

/** A whole check's bookkeeping: reserve, then (if accepted) settle with its audit entry and `guesses`. */
async function record(
  ledger: Ledger,
  practiceId: string,
  bookings: number,
  policy: ScreeningPolicy,
  batch: AuditBatch,
  guesses = 0,
): Promise<QuotaOutcome & { budgetSpent?: { slowedUntil: string } }> {
  const outcome = await ledger.reserve(practiceId, bookings, policy, batch.now);
  if (!outcome.ok) return outcome;
  const { refused, ...settlement } = await ledger.settle(outcome.reservation, { guesses, matches: 0 }, policy, batch);
  return refused ?? { ...outcome, ...settlement };
}

async function counter(client: DynamoDBDocumentClient, practiceId: string, day: string) {
  const { Item } = await client.send(
    new GetCommand({ TableName: config.MAIN_TABLE, Key: { pk: `QUOTA#${practiceId}`, sk: `DAY#${day}` }, ConsistentRead: true }),
  );
  return { dayCount: Item?.dayCount as number | undefined, minuteCount: Item?.minuteCount as number | undefined, minute: Item?.minute as string | undefined };
}

describe('group commit on DynamoDB Local', () => {
  it('DynamoDB Local names the failed item of a cancelled transaction, one reason per item', async () => {
    const { client } = countingClient(config.DYNAMODB_ENDPOINT);
    const key = { pk: `PROBE#${Math.random()}`, sk: 'x' };
    await client.send(new PutCommand({ TableName: config.MAIN_TABLE, Item: key }));
    const failure: unknown = await client
      .send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: config.MAIN_TABLE, Item: { pk: `${key.pk}-other`, sk: 'x' } } },
            { Put: { TableName: config.MAIN_TABLE, Item: key, ConditionExpression: 'attribute_not_exists(pk)' } },
            { Put: { TableName: config.MAIN_TABLE, Item: { pk: `${key.pk}-third`, sk: 'x' } } },
          ],
        }),
      )
      .catch((error: unknown) => error);
    const cancelled = failure as { name?: string; CancellationReasons?: { Code?: string }[] };
    expect(cancelled.name).toBe('TransactionCanceledException');
    expect(cancelled.CancellationReasons?.map((reason) => reason.Code)).toEqual(['None', 'ConditionalCheckFailed', 'None']);
  });

  it('64 concurrent checks from 6 practices, some over quota: whole chain, exactly the accepted audited and counted, few transactions', async () => {
    const node = serverProcess();
    const limits: ScreeningLimits = { perMinute: 8, perDay: 1000 };
    const now = new Date('2026-11-20T09:00:10Z');
    const practices = Array.from({ length: 6 }, (_, p) => `prac_gc${p}${Math.random().toString(36).slice(2, 8)}`);
    const checks = Array.from({ length: 64 }, (_, i) => ({ practiceId: practices[i % practices.length]!, checkId: `chk_gc${i}` }));

    const outcomes: QuotaOutcome[] = await Promise.all(
      checks.map(({ practiceId, checkId }) => record(node.ledger, practiceId, 1, policyOf(limits), checkEvent(practiceId, checkId, now))),
    );

    // Each practice's first 8 checks (in arrival order) are accepted; the rest are refused for the minute.
    const expectedAccepted = checks.filter(
      ({ practiceId }, i) => checks.slice(0, i).filter((other) => other.practiceId === practiceId).length < limits.perMinute,
    );
    expect(expectedAccepted).toHaveLength(48);
    const accepted = checks.filter((_check, i) => outcomes[i]!.ok);
    expect(accepted.map(({ checkId }) => checkId)).toEqual(expectedAccepted.map(({ checkId }) => checkId));
    for (const outcome of outcomes) if (!outcome.ok) expect(outcome).toEqual({ ok: false, window: 'minute', retryAfterSeconds: 50, slowed: false });

    const entries = await intactChain(node.audit);
    expect(entries.map((entry) => entry.targets.checkId).sort()).toEqual(accepted.map(({ checkId }) => checkId).sort());
    for (const practiceId of practices)
      expect(await counter(node.client, practiceId, '2026-11-20')).toEqual({ dayCount: 8, minuteCount: 8, minute: '2026-11-20T09:00' });

    // Reservations and settlements each take one transaction per round of a practice's waiting checks, not one per check.
    expect(node.sent.get('TransactWriteItemsCommand')).toBeLessThanOrEqual(32);
  });

  it('two processes appending at once (each grouping its own checks) still leave one whole chain', async () => {
    // One chain for both, so they race for its head.
    const [a, b] = [serverProcess(1), serverProcess(1)];
    const limits: ScreeningLimits = { perMinute: 1000, perDay: 1000 };
    const now = new Date('2026-11-20T10:00:10Z');
    const before = (await a.audit.head())?.seq ?? 0;
    const practices = Array.from({ length: 4 }, (_, p) => `prac_two${p}${Math.random().toString(36).slice(2, 8)}`);
    const run = (node: ReturnType<typeof serverProcess>, tag: string) =>
      Promise.all(
        Array.from({ length: 32 }, (_, i) => record(node.ledger, practices[i % 4]!, 1, policyOf(limits), checkEvent(practices[i % 4]!, `chk_${tag}${i}`, now))),
      );
    const outcomes = [...(await Promise.all([run(a, 'a'), run(b, 'b')])).flat()];
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    const entries = (await intactChain(a.audit)).slice(before);
    expect(entries).toHaveLength(64);
    expect(new Set(entries.map((entry) => entry.targets.checkId)).size).toBe(64);
    for (const practiceId of practices) expect((await counter(a.client, practiceId, '2026-11-20')).dayCount).toBe(16);
  });

  it('four processes on many chains: each keeps its own chain while it wins, every chain whole, every check audited once', async () => {
    const nodes = [serverProcess(), serverProcess(), serverProcess(), serverProcess()];
    const limits: ScreeningLimits = { perMinute: 1000, perDay: 1000 };
    const now = new Date('2026-11-20T10:00:20Z');
    const practices = Array.from({ length: 4 }, (_, p) => `prac_many${p}${Math.random().toString(36).slice(2, 8)}`);
    const outcomes = await Promise.all(
      nodes.flatMap((node, n) =>
        Array.from({ length: 16 }, (_, i) => record(node.ledger, practices[n]!, 1, policyOf(limits), checkEvent(practices[n]!, `chk_many${n}_${i}`, now))),
      ),
    );
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    const entries = (await intactChains(nodes[0]!.audit)).filter((entry) => practices.includes(String(entry.targets.practiceId)));
    expect(entries).toHaveLength(64);
    expect(new Set(entries.map((entry) => entry.targets.checkId)).size).toBe(64);
    // No chain beyond c000…c255; every one of these entries names its chain.
    expect(entries.every((entry) => /^c[0-2][0-9]{2}$/.test(entry.chain ?? ''))).toBe(true);
  });

  it('a check stamped before the minute turned but counted after never sets the minute back (regression: it reset the count, then refused with a bogus 429)', async () => {
    const [a, b] = [serverProcess(), serverProcess()];
    const limits: ScreeningLimits = { perMinute: 3, perDay: 1000 };
    const practiceId = `prac_late${Math.random().toString(36).slice(2, 8)}`;
    const check = (node: ReturnType<typeof serverProcess>, at: string, checkId: string) =>
      record(node.ledger, practiceId, 1, policyOf(limits), checkEvent(practiceId, checkId, new Date(at)));
    expect(await check(a, '2026-11-20T09:01:00.500Z', 'chk_late1')).toMatchObject({ ok: true });
    // Process b's request was stamped 09:00:59.9 but reaches the counter after a began 09:01.
    expect(await check(b, '2026-11-20T09:00:59.900Z', 'chk_late2')).toMatchObject({ ok: true });
    expect(await counter(a.client, practiceId, '2026-11-20')).toEqual({ dayCount: 2, minuteCount: 2, minute: '2026-11-20T09:01' });
    expect(await check(a, '2026-11-20T09:01:01.000Z', 'chk_late3')).toMatchObject({ ok: true });
    // The minute's quota of 3 holds across both processes: the 4th check in 09:01 is refused.
    expect(await check(b, '2026-11-20T09:01:02.000Z', 'chk_late4')).toMatchObject({ ok: false, window: 'minute' });
    expect(await counter(a.client, practiceId, '2026-11-20')).toEqual({ dayCount: 3, minuteCount: 3, minute: '2026-11-20T09:01' });
  });

  it('the round that takes a practice past its guess budget spends it once: slowed until the same time tomorrow, on the reduced quota', async () => {
    const [a, b] = [serverProcess(), serverProcess()];
    const practiceId = `prac_guess${Math.random().toString(36).slice(2, 8)}`;
    const budgeted = policyOf({ perMinute: 1000, perDay: 1000 }, 10, { perMinute: 2, perDay: 30 });
    const at = (time: string) => new Date(`2026-11-20T${time}Z`);
    // 9 guesses, then 12 checks of one guess each from two processes at once: exactly one of them spends the budget.
    expect(await record(a.ledger, practiceId, 9, budgeted, checkEvent(practiceId, 'chk_g0', at('09:00:01')), 9)).toMatchObject({ ok: true });
    // All twelve are reserved before any is settled (a reservation made after the budget is spent meets the reduced quota).
    const ledgerOf = (i: number) => (i % 2 ? a.ledger : b.ledger);
    const reserved = await Promise.all(Array.from({ length: 12 }, (_, i) => ledgerOf(i).reserve(practiceId, 1, budgeted, at('09:00:02'))));
    const both = await Promise.all(
      reserved.map((outcome, i) => {
        if (!outcome.ok) throw new Error(`reservation ${i} was refused`);
        return ledgerOf(i).settle(outcome.reservation, { guesses: 1, matches: 0 }, budgeted, checkEvent(practiceId, `chk_g${i + 1}`, at('09:00:02')));
      }),
    );
    const spent = both.filter((outcome) => outcome.budgetSpent);
    expect(spent).toEqual([expect.objectContaining({ budgetSpent: { slowedUntil: '2026-11-21T09:00:02Z' } })]);
    // Far from the quota, these were to be counted at settlement: one settling after the budget was spent meets the
    // reduced quota (2 a minute) and is refused unanswered, neither counted nor audited.
    const answered = both.filter((outcome) => !outcome.refused).length;
    for (const outcome of both) if (outcome.refused) expect(outcome.refused).toMatchObject({ ok: false, window: 'minute', slowed: true });
    const { Item: today } = await a.client.send(
      new GetCommand({ TableName: config.MAIN_TABLE, Key: { pk: `QUOTA#${practiceId}`, sk: 'DAY#2026-11-20' }, ConsistentRead: true }),
    );
    expect(today).toMatchObject({ dayCount: 9 + answered, guesses: 9 + answered, budgetSpentAt: '2026-11-20T09:00:02Z', slowedUntil: '2026-11-21T09:00:02Z' });
    expect((await intactChains(a.audit)).filter((entry) => entry.targets.practiceId === practiceId)).toHaveLength(1 + answered);
    // Slowed: the day's reduced quota (9 more than the day's count) is nearly used, and 2 a minute at most.
    const policy = policyOf({ perMinute: 1000, perDay: 1000 }, 10, { perMinute: 2, perDay: 9 + answered + 9 });
    expect(await record(a.ledger, practiceId, 3, policy, checkEvent(practiceId, 'chk_s1', at('09:05:00')))).toEqual({
      ok: false,
      window: 'minute',
      retryAfterSeconds: 60,
      slowed: true,
    });
    expect(await record(a.ledger, practiceId, 2, policy, checkEvent(practiceId, 'chk_s2', at('09:05:00')))).toMatchObject({ ok: true });
    expect(await record(b.ledger, practiceId, 1, policy, checkEvent(practiceId, 'chk_s3', at('09:05:30')))).toMatchObject({
      ok: false,
      window: 'minute',
      slowed: true,
    });
    for (const [i, time] of ['09:06:00', '09:07:00', '09:08:00'].entries())
      expect(await record((i % 2 ? a : b).ledger, practiceId, 2, policy, checkEvent(practiceId, `chk_m${i}`, at(time)))).toMatchObject({ ok: true });
    expect(await record(a.ledger, practiceId, 2, policy, checkEvent(practiceId, 'chk_s4', at('09:09:00')))).toMatchObject({
      ok: false,
      window: 'day',
      slowed: true,
    });
    // Tomorrow, still slowed until 09:00:02: the reduced day quota counts from zero; after that, the ordinary quota.
    const tomorrow = (time: string) => new Date(`2026-11-21T${time}Z`);
    expect(await record(b.ledger, practiceId, 3, policy, checkEvent(practiceId, 'chk_t1', tomorrow('08:59:00')))).toMatchObject({
      ok: false,
      window: 'minute',
      slowed: true,
    });
    expect(await record(b.ledger, practiceId, 2, policy, checkEvent(practiceId, 'chk_t2', tomorrow('08:59:00')))).toMatchObject({ ok: true });
    expect(await record(a.ledger, practiceId, 50, policy, checkEvent(practiceId, 'chk_t3', tomorrow('09:00:03')))).toMatchObject({ ok: true });
  });

  it('a released reservation gives its bookings back to the day and the minute; nothing is audited', async () => {
    const node = serverProcess();
    const practiceId = `prac_rel${Math.random().toString(36).slice(2, 8)}`;
    const policy = policyOf({ perMinute: 5, perDay: 1000 });
    const now = new Date('2026-11-20T11:00:10Z');
    const before = (await node.audit.head())?.seq;
    const reserved = await node.ledger.reserve(practiceId, 5, policy, now);
    if (!reserved.ok) throw new Error('expected a reservation');
    expect(await node.ledger.reserve(practiceId, 1, policy, now)).toMatchObject({ ok: false, window: 'minute' });
    await node.ledger.release(reserved.reservation);
    expect(await counter(node.client, practiceId, '2026-11-20')).toEqual({ dayCount: 0, minuteCount: 0, minute: '2026-11-20T11:00' });
    expect(await node.ledger.reserve(practiceId, 5, policy, now)).toMatchObject({ ok: true });
    expect((await node.audit.head())?.seq).toBe(before);
  });
  it('a practice far from its quota is counted by the settlement itself: one write per check, and a released check writes nothing', async () => {
    const node = serverProcess();
    const practiceId = `prac_far${Math.random().toString(36).slice(2, 8)}`;
    const policy = policyOf({ perMinute: 100, perDay: 1000 });
    const now = new Date('2026-11-20T12:00:10Z');
    for (let i = 0; i < 5; i += 1)
      expect(await record(node.ledger, practiceId, 1, policy, checkEvent(practiceId, `chk_far${i}`, now))).toMatchObject({ ok: true });
    // One read to learn the counter, then one transaction per check (the counter, the network's day, the audit entry).
    expect(node.sent.get('TransactWriteItemsCommand')).toBe(5);
    expect(node.sent.get('GetItemCommand')).toBe(1);
    expect(await counter(node.client, practiceId, '2026-11-20')).toEqual({ dayCount: 5, minuteCount: 5, minute: '2026-11-20T12:00' });
    const reserved = await node.ledger.reserve(practiceId, 1, policy, now);
    if (!reserved.ok) throw new Error('expected a reservation');
    expect(reserved.reservation.countAtSettlement).toBe(true);
    await node.ledger.release(reserved.reservation);
    expect(node.sent.get('TransactWriteItemsCommand')).toBe(5);
    expect(await counter(node.client, practiceId, '2026-11-20')).toEqual({ dayCount: 5, minuteCount: 5, minute: '2026-11-20T12:00' });
  });

  it('near its quota a practice is counted before anything is computed', async () => {
    const node = serverProcess();
    const practiceId = `prac_near${Math.random().toString(36).slice(2, 8)}`;
    const policy = policyOf({ perMinute: 10, perDay: 1000 });
    const now = new Date('2026-11-20T12:10:10Z');
    const reserved = await node.ledger.reserve(practiceId, 10, policy, now);
    if (!reserved.ok) throw new Error('expected a reservation');
    expect(reserved.reservation.countAtSettlement).toBeUndefined();
    expect(await counter(node.client, practiceId, '2026-11-20')).toEqual({ dayCount: 10, minuteCount: 10, minute: '2026-11-20T12:10' });
    expect(await node.ledger.reserve(practiceId, 1, policy, now)).toEqual({ ok: false, window: 'minute', retryAfterSeconds: 50, slowed: false });
  });

  it('a check to be counted at settlement that another process left no room for is refused there, unanswered; the next is refused before paying', async () => {
    const [a, b] = [serverProcess(), serverProcess()];
    const practiceId = `prac_race${Math.random().toString(36).slice(2, 8)}`;
    const policy = policyOf({ perMinute: 10, perDay: 1000 });
    const now = new Date('2026-11-20T12:20:10Z');
    const before = (await intactChains(a.audit)).length;
    const early = await a.ledger.reserve(practiceId, 1, policy, now);
    if (!early.ok) throw new Error('expected a reservation');
    expect(early.reservation.countAtSettlement).toBe(true);
    // Meanwhile another container uses the minute's quota up.
    expect(await record(b.ledger, practiceId, 10, policy, checkEvent(practiceId, 'chk_race_b', now))).toMatchObject({ ok: true });
    expect(await a.ledger.settle(early.reservation, { guesses: 1, matches: 0 }, policy, checkEvent(practiceId, 'chk_race_a', now))).toEqual({
      refused: { ok: false, window: 'minute', retryAfterSeconds: 50, slowed: false },
    });
    expect(await counter(a.client, practiceId, '2026-11-20')).toEqual({ dayCount: 10, minuteCount: 10, minute: '2026-11-20T12:20' });
    const entries = await intactChains(a.audit);
    expect(entries).toHaveLength(before + 1);
    expect(entries.map((entry) => entry.targets.checkId)).not.toContain('chk_race_a');
    // The refusal taught this container the counter: its next check is refused before anything is computed.
    const writes = a.sent.get('TransactWriteItemsCommand') ?? 0;
    expect(await a.ledger.reserve(practiceId, 1, policy, now)).toMatchObject({ ok: false, window: 'minute' });
    expect(a.sent.get('TransactWriteItemsCommand')).toBe(writes + 1);
  });
});
