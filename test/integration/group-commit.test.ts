import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { buildAuditLog } from '#shared/adapters/dynamo/audit-log.ts';
import { buildScreeningLedger } from '#shared/adapters/dynamo/screening-ledger.ts';
import type { LocalConfig } from '#shared/config.ts';
import type { QuotaOutcome, ScreeningLimits } from '#shared/ports.ts';
import type { AuditBatch } from '#shared/records.ts';
import { freshLocalConfig } from '../support/tables.ts';
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

/** A document client that counts the requests it sends, by command. */
function countingClient(): { client: DynamoDBDocumentClient; sent: Map<string, number> } {
  const client = buildDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT });
  const sent = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => (args) => {
      sent.set(context.commandName!, (sent.get(context.commandName!) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return { client, sent };
}

/** One "process": its own client, audit log and ledger, as one server or Lambda container has. */
function serverProcess(chains?: number) {
  const { client, sent } = countingClient();
  const audit = buildAuditLog(client, config.AUDIT_TABLE, { chains });
  return { client, sent, audit, ledger: buildScreeningLedger(client, config.MAIN_TABLE, audit) };
}

const checkEvent = (practiceId: string, checkId: string, now: Date): AuditBatch => ({
  events: [{ action: 'check.performed', actor: { keyId: `key_${practiceId}`, role: 'practice' }, targets: { practiceId, checkId }, outcome: 'success' }],
  now,
});

async function counter(client: DynamoDBDocumentClient, practiceId: string, day: string) {
  const { Item } = await client.send(new GetCommand({ TableName: config.MAIN_TABLE, Key: { pk: `QUOTA#${practiceId}`, sk: `DAY#${day}` }, ConsistentRead: true }));
  return { dayCount: Item?.dayCount as number | undefined, minuteCount: Item?.minuteCount as number | undefined, minute: Item?.minute as string | undefined };
}

describe('group commit on DynamoDB Local', () => {
  it('DynamoDB Local names the failed item of a cancelled transaction, one reason per item', async () => {
    const { client } = countingClient();
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

    const outcomes: QuotaOutcome[] = await Promise.all(checks.map(({ practiceId, checkId }) => node.ledger.record(practiceId, 1, limits, checkEvent(practiceId, checkId, now))));

    // Each practice's first 8 checks (in arrival order) are accepted; the rest are refused for the minute.
    const expectedAccepted = checks.filter(({ practiceId }, i) => checks.slice(0, i).filter((other) => other.practiceId === practiceId).length < limits.perMinute);
    expect(expectedAccepted).toHaveLength(48);
    const accepted = checks.filter((_check, i) => outcomes[i]!.ok);
    expect(accepted.map(({ checkId }) => checkId)).toEqual(expectedAccepted.map(({ checkId }) => checkId));
    for (const outcome of outcomes) if (!outcome.ok) expect(outcome).toEqual({ ok: false, window: 'minute', retryAfterSeconds: 50 });

    const entries = await intactChain(node.audit);
    expect(entries.map((entry) => entry.targets.checkId).sort()).toEqual(accepted.map(({ checkId }) => checkId).sort());
    for (const practiceId of practices) expect(await counter(node.client, practiceId, '2026-11-20')).toEqual({ dayCount: 8, minuteCount: 8, minute: '2026-11-20T09:00' });

    expect(node.sent.get('TransactWriteItemsCommand')).toBeLessThanOrEqual(16);
  });

  it('two processes appending at once (each grouping its own checks) still leave one whole chain', async () => {
    // One chain for both, so they race for its head.
    const [a, b] = [serverProcess(1), serverProcess(1)];
    const limits: ScreeningLimits = { perMinute: 1000, perDay: 1000 };
    const now = new Date('2026-11-20T10:00:10Z');
    const before = (await a.audit.head())?.seq ?? 0;
    const practices = Array.from({ length: 4 }, (_, p) => `prac_two${p}${Math.random().toString(36).slice(2, 8)}`);
    const run = (node: ReturnType<typeof serverProcess>, tag: string) =>
      Promise.all(Array.from({ length: 32 }, (_, i) => node.ledger.record(practices[i % 4]!, 1, limits, checkEvent(practices[i % 4]!, `chk_${tag}${i}`, now))));
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
    const outcomes = await Promise.all(nodes.flatMap((node, n) => Array.from({ length: 16 }, (_, i) => node.ledger.record(practices[n]!, 1, limits, checkEvent(practices[n]!, `chk_many${n}_${i}`, now)))));
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
    const record = (node: ReturnType<typeof serverProcess>, at: string, checkId: string) => node.ledger.record(practiceId, 1, limits, checkEvent(practiceId, checkId, new Date(at)));
    expect(await record(a, '2026-11-20T09:01:00.500Z', 'chk_late1')).toEqual({ ok: true });
    // Process b's request was stamped 09:00:59.9 but reaches the counter after a began 09:01.
    expect(await record(b, '2026-11-20T09:00:59.900Z', 'chk_late2')).toEqual({ ok: true });
    expect(await counter(a.client, practiceId, '2026-11-20')).toEqual({ dayCount: 2, minuteCount: 2, minute: '2026-11-20T09:01' });
    expect(await record(a, '2026-11-20T09:01:01.000Z', 'chk_late3')).toEqual({ ok: true });
    // The minute's quota of 3 holds across both processes: the 4th check in 09:01 is refused.
    expect(await record(b, '2026-11-20T09:01:02.000Z', 'chk_late4')).toMatchObject({ ok: false, window: 'minute' });
    expect(await counter(a.client, practiceId, '2026-11-20')).toEqual({ dayCount: 3, minuteCount: 3, minute: '2026-11-20T09:01' });
  });
});
