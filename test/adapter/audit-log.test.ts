import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { DependencyUnavailableError } from '#shared/errors.ts';
import { describe, expect, inject, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { auditItem, buildAuditLog, type AuditLog } from '#shared/adapters/dynamo/audit-log.ts';
import { buildApiKeyStore } from '#shared/adapters/dynamo/simple-stores.ts';
import { buildDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { auditTable } from '#shared/adapters/dynamo/tables.ts';
import { chainEntries, entryHash, genesisHash } from '#shared/audit/chain.ts';
import { checkpointHash, checkpointStatement, CheckpointRollbackError, makeCheckpoint, treeHead } from '#shared/audit/checkpoint.ts';
import { buildCheckpointStore } from '#shared/adapters/dynamo/checkpoint-store.ts';
import { buildLocalSigner } from '#shared/adapters/local/local-signer.ts';
import { verifyStatement } from '#shared/domain/signing.ts';
import { intactChains } from '../support/audit-chain.ts';
import type { AuditBatch, AuditEntry, AuditEvent } from '#shared/records.ts';
import { ensureTables } from '../../infra/local/dynamo-local.ts';
import { collect } from '../support/collect.ts';
import './support.ts';

/**
 * The audit chain on real DynamoDB Local: writers racing for the next sequence number never
 * fork the chain or leave a gap (conditional Puts, re-read head, retry), and the by-time
 * index finds the first and last entry of a date range.
 */
async function freshLog(): Promise<AuditLog> {
  const endpoint = inject('dynamoEndpoint');
  const table = `t${randomBytes(4).toString('hex')}-audit`;
  await ensureTables(endpoint, [{ definition: auditTable, name: table }]);
  // One chain: these tests are about writers racing for one head.
  return buildAuditLog(buildDocumentClient({ endpoint }), table, { chains: 1 });
}

const event = (writer: number, n: number): AuditEvent => ({
  action: 'key.created',
  actor: { keyId: `key_writer${writer}`, role: 'admin' },
  targets: { writer, n },
  outcome: 'success',
});

/** Asserts entries are one unbroken chain from `first` on: consecutive seqs, linked and correct hashes, time never going back. */
function expectOneChain(entries: readonly AuditEntry[], first = 1, prevHash = genesisHash): void {
  entries.forEach((entry, i) => {
    expect(entry.seq).toBe(first + i);
    expect(entry.prevHash).toBe(i === 0 ? prevHash : entries[i - 1]!.hash);
    const { hash, ...unhashed } = entry;
    expect(entryHash(unhashed)).toBe(hash);
    if (i > 0) expect(entry.at >= entries[i - 1]!.at).toBe(true);
  });
}

describe('the DynamoDB audit log', () => {
  it('keeps one gapless chain when 20 writers append at once', async () => {
    const log = await freshLog();
    const writers = 20;
    const rounds = 4;
    // A writer that loses the race for the head too often gets a 503 (nothing written) and, like
    // an API client after Retry-After, tries again. The chain must come out whole either way.
    let busy = 0;
    const append = async (events: AuditEvent[]): Promise<AuditEntry[]> => {
      for (;;) {
        try {
          return await log.append(events, new Date());
        } catch (error) {
          if (!(error instanceof DependencyUnavailableError) || (busy += 1) > 200) throw error;
        }
      }
    };
    await Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        for (let n = 0; n < rounds; n += 1) {
          // Every other append carries two events: they must stay adjacent.
          const events = n % 2 === 0 ? [event(writer, n)] : [event(writer, n), event(writer, n + 100)];
          const appended = await append(events);
          expect(appended.map((entry) => entry.seq)).toEqual(events.map((_e, i) => appended[0]!.seq + i));
        }
      }),
    );
    const expected = writers * (rounds + rounds / 2);
    const head = await log.head();
    expect(head?.seq).toBe(expected);
    const entries = await collect(log.read(1, expected));
    expect(entries).toHaveLength(expected);
    expectOneChain(entries);
    expect(entries.at(-1)).toEqual(head);
    // Every event landed exactly once.
    const written = entries.map((entry) => `${entry.targets.writer}/${entry.targets.n}`).sort();
    expect(new Set(written).size).toBe(expected);
  });

  it('reads any run of entries page by page, in order', async () => {
    const log = await freshLog();
    for (let i = 0; i < 11; i += 1) await log.append([event(0, i)], new Date(Date.UTC(2026, 10, 20, 9, i)));
    const all = await collect(log.read(1, 11, 3));
    expect(all.map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expectOneChain(all);
    expect(await collect(log.read(4, 8, 2))).toEqual(all.slice(3, 8));
    expect(await collect(log.read(12, 20))).toEqual([]);
  });

  it('finds the first entry at or after `from` and the last before `to`, boundaries included and excluded', async () => {
    const log = await freshLog();
    const at = ['2026-11-01T10:00:00Z', '2026-11-02T00:00:00Z', '2026-11-02T12:00:00Z', '2026-11-02T23:59:59Z', '2026-11-03T00:00:00Z', '2026-11-05T08:00:00Z'];
    for (const [i, instant] of at.entries()) await log.append([event(1, i)], new Date(instant));
    const day2 = await log.bounds('2026-11-02T00:00:00Z', '2026-11-03T00:00:00Z');
    expect([day2?.first.seq, day2?.last.seq]).toEqual([2, 4]);
    const days3to5 = await log.bounds('2026-11-03T00:00:00Z', '2026-11-06T00:00:00Z');
    expect([days3to5?.first.at, days3to5?.last.at]).toEqual(['2026-11-03T00:00:00Z', '2026-11-05T08:00:00Z']);
    expect(await log.bounds('2026-11-04T00:00:00Z', '2026-11-05T00:00:00Z')).toBeUndefined();
    expect(await log.bounds('2026-12-01T00:00:00Z', '2026-12-02T00:00:00Z')).toBeUndefined();
  });

  it('never stamps an entry earlier than its predecessor, even when the clock goes back', async () => {
    const log = await freshLog();
    await log.append([event(2, 0)], new Date('2026-11-20T12:00:00Z'));
    const [late] = await log.append([event(2, 1)], new Date('2026-11-20T11:00:00Z'));
    expect(late?.at).toBe('2026-11-20T12:00:00Z');
  });
});

/**
 * Group commit, against a scripted DynamoDB (aws-sdk-client-mock on one client instance): a fake
 * that keeps the audit items of every transaction it accepts, so a head read after a failure is
 * the true one, and that cancels chosen transactions with chosen reasons.
 */
function scriptedDynamo() {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-2', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }));
  const ddb = mockClient(client);
  const stored: Record<string, unknown>[] = [];
  const cancellations = new Map<number, string[]>();
  const transactions: TransactItems[] = [];
  let gate: Promise<void> = Promise.resolve();
  ddb.on(QueryCommand).callsFake(() => ({ Items: stored.slice(-1) }));
  ddb.on(TransactWriteCommand).callsFake(async (input: { TransactItems: TransactItems }) => {
    transactions.push(input.TransactItems);
    const codes = cancellations.get(transactions.length);
    await gate;
    if (codes)
      throw new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });
    for (const item of input.TransactItems) if (item.Put?.TableName === 'audit') stored.push(item.Put.Item as Record<string, unknown>);
    return {};
  });
  return {
    client,
    ddb,
    stored,
    transactions,
    log: buildAuditLog(client, 'audit', { chains: 1 }),
    /** The n-th transaction (from 1) is cancelled with these reasons, one per item. */
    cancel: (n: number, ...codes: string[]) => cancellations.set(n, codes),
    /** Another process appends `entry` (as if it won the race for its seq). */
    storeElsewhere: (entry: AuditEntry) => stored.push(auditItem(entry)),
    /** Holds every transaction until the returned function is called, so appends pile up behind the first. */
    hold: () => {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return () => release();
    },
  };
}

type TransactItems = Record<string, Record<string, unknown>>[];
const quotaUpdate = (practiceId: string) => ({
  Update: {
    TableName: 'main',
    Key: { pk: `QUOTA#${practiceId}`, sk: 'DAY#2026-11-20' },
    UpdateExpression: 'ADD #day :n',
    ExpressionAttributeNames: { '#day': 'dayCount' },
    ExpressionAttributeValues: { ':n': 1 },
  },
});
const checkBatch = (n: number): AuditBatch => ({ events: [event(9, n)], now: new Date(Date.UTC(2026, 10, 20, 9, 0, n)) });
const entriesOf = (items: TransactItems) => items.filter((item) => item.Put?.TableName === 'audit').map((item) => item.Put!.Item as unknown as AuditEntry);
/** What a transaction wrote: the practice of each action item, `#<seq>` for each audit entry. */
const shape = (items: TransactItems) =>
  items.map((item) =>
    item.Put?.TableName === 'audit' ? `#${(item.Put.Item as { seq: number }).seq}` : String((item.Update!.Key as { pk: string }).pk).slice('QUOTA#'.length),
  );
const storedChain = (stored: Record<string, unknown>[]) => stored.map(({ atSeq: _a, ...entry }) => entry as unknown as AuditEntry);

describe('group commit of audit appends', () => {
  it('writes the appends that queued behind a transaction in ONE TransactWriteItems, with consecutive seqs and linked hashes', async () => {
    const dynamo = scriptedDynamo();
    const release = dynamo.hold();
    const appends = ['p0', 'p1', 'p2', 'p3', 'p4'].map((practice, n) => dynamo.log.transact([quotaUpdate(practice)], checkBatch(n)));
    release();
    const written = await Promise.all(appends);
    expect(dynamo.transactions.map(shape)).toEqual([
      ['p0', '#1'],
      ['p1', '#2', 'p2', '#3', 'p3', '#4', 'p4', '#5'],
    ]);
    expect(written.map((entries) => entries.map((entry) => [entry.seq, entry.targets.n]))).toEqual([[[1, 0]], [[2, 1]], [[3, 2]], [[4, 3]], [[5, 4]]]);
    expectOneChain(storedChain(dynamo.stored));
    // Each entry keeps its own request's time.
    expect(written.map((entries) => entries[0]!.at)).toEqual([0, 1, 2, 3, 4].map((n) => `2026-11-20T09:00:0${n}Z`));
  });

  it('fails only the append whose own item failed its condition, with the reasons for its own items, and writes the others next', async () => {
    const dynamo = scriptedDynamo();
    const keys = buildApiKeyStore(dynamo.client, 'keys', dynamo.log);
    const release = dynamo.hold();
    // Transaction 2 holds key-1, key-2 and key-3 (each an Update and its entry); key-2's Update fails its condition.
    dynamo.cancel(2, 'None', 'None', 'ConditionalCheckFailed', 'None', 'None', 'None');
    const revoked = [0, 1, 2, 3].map((n) => keys.revoke(`key-${n}`, '2026-11-20T09:00:00Z', checkBatch(n)));
    release();
    // revoke() reads the reason at index 0 of its own items: only key-2 is reported missing.
    expect(await Promise.all(revoked)).toEqual([true, true, false, true]);
    expect(dynamo.transactions.map((items) => entriesOf(items).map((entry) => entry.seq))).toEqual([[1], [2, 3, 4], [2, 3]]);
    const chain = storedChain(dynamo.stored);
    expectOneChain(chain);
    expect(chain.map((entry) => entry.targets.n)).toEqual([0, 1, 3]);
  });

  it('rethrows a one-append cancellation untouched, as before group commit', async () => {
    const dynamo = scriptedDynamo();
    dynamo.cancel(1, 'ConditionalCheckFailed', 'None');
    const failure = await dynamo.log.transact([quotaUpdate('p1')], checkBatch(1)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TransactionCanceledException);
    expect((failure as TransactionCanceledException).CancellationReasons).toEqual([{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }]);
    expect(dynamo.stored).toEqual([]);
  });

  it('re-reads the head and retries the whole group when another process took one of its seqs', async () => {
    const dynamo = scriptedDynamo();
    const release = dynamo.hold();
    const appends = ['p0', 'p1', 'p2'].map((practice, n) => dynamo.log.transact([quotaUpdate(practice)], checkBatch(n)));
    // While the group of p1 and p2 is in flight, another process appends seq 2; the group's first Put loses.
    dynamo.cancel(2, 'None', 'ConditionalCheckFailed', 'None', 'None');
    release();
    await appends[0];
    const [rival] = chainEntries(storedChain(dynamo.stored).at(-1), [event(7, 0)], new Date(Date.UTC(2026, 10, 20, 9, 0, 30)), 'c000');
    dynamo.storeElsewhere(rival!);
    const written = await Promise.all(appends);
    expect(dynamo.transactions.map(shape)).toEqual([
      ['p0', '#1'],
      ['p1', '#2', 'p2', '#3'],
      ['p1', '#3', 'p2', '#4'],
    ]);
    expect(dynamo.ddb).toHaveReceivedCommandTimes(QueryCommand, 2);
    const chain = storedChain(dynamo.stored);
    expectOneChain(chain);
    expect(chain.map((entry) => entry.actor.keyId)).toEqual(['key_writer9', 'key_writer7', 'key_writer9', 'key_writer9']);
    // The retried entries are stamped no earlier than the rival's.
    expect(written[1]![0]!.at).toBe('2026-11-20T09:00:30Z');
  });

  it('puts appends to the same item in different groups, in arrival order, while others join the first group', async () => {
    const dynamo = scriptedDynamo();
    const release = dynamo.hold();
    const appends = ['p9', 'p1', 'p1', 'p2', 'p1', 'p3'].map((practice, n) => dynamo.log.transact([quotaUpdate(practice)], checkBatch(n)));
    release();
    await Promise.all(appends);
    expect(dynamo.transactions.map(shape)).toEqual([
      ['p9', '#1'],
      ['p1', '#2', 'p2', '#3', 'p3', '#4'],
      ['p1', '#5'],
      ['p1', '#6'],
    ]);
    const chain = storedChain(dynamo.stored);
    expectOneChain(chain);
    // By arrival: p9, p1, p2 and p3 first; the second and third p1 appends (arrivals 2 and 4) after, in that order.
    expect(chain.map((entry) => entry.targets.n)).toEqual([0, 1, 3, 5, 2, 4]);
  });
});

describe('many chains, and checkpoints over them, on DynamoDB Local', () => {
  it('8 writers with their own adapters spread over the chains, each chain whole; a signed checkpoint covers every head and a rewritten head stops the next one', async () => {
    const endpoint = inject('dynamoEndpoint');
    const table = `t${randomBytes(4).toString('hex')}-audit`;
    await ensureTables(endpoint, [{ definition: auditTable, name: table }]);
    const writers = Array.from({ length: 8 }, () => buildAuditLog(buildDocumentClient({ endpoint }), table, { chains: 16 }));
    await Promise.all(
      writers.map(async (log, w) => {
        for (let n = 0; n < 6; n += 1) await log.append([event(w, n)], new Date(Date.UTC(2026, 10, 20, 9, w, n)));
      }),
    );
    const reader = writers[0]!;
    const heads = await reader.heads();
    expect(heads.length).toBeGreaterThan(1);
    expect(heads.every((head) => /^c0(0[0-9]|1[0-5])$/.test(head.chain))).toBe(true);
    const all = await intactChains(reader);
    expect(all).toHaveLength(48);
    expect(new Set(all.map((entry) => `${entry.targets.writer}/${entry.targets.n}`)).size).toBe(48);

    const documents = buildDocumentClient({ endpoint });
    const checkpoints = buildCheckpointStore(documents, table);
    const signer = buildLocalSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    let now = new Date('2026-11-20T10:00:00Z');
    const deps = { audit: reader, checkpoints, signer, clock: () => now };
    const first = await makeCheckpoint(deps);
    expect(first).toMatchObject({ number: 1, prevHash: genesisHash, treeSize: heads.length, heads, rootHash: treeHead(heads) });
    expect(verifyStatement(await signer.publicKeyPem(), checkpointStatement(first), first.signature)).toBe(true);
    // Nothing moved: the schedule keeps the latest; on demand makes the next, linked to it.
    expect(await makeCheckpoint(deps, { onlyIfChanged: true })).toEqual(first);
    now = new Date('2026-11-20T10:15:00Z');
    const second = await makeCheckpoint(deps);
    expect(second).toMatchObject({ number: 2, prevHash: checkpointHash(first) });
    expect(await checkpoints.latest()).toEqual(second);
    expect(await checkpoints.list(1, 5)).toEqual([first, second]);
    expect(await checkpoints.lastBefore('2026-11-20T10:10:00Z')).toEqual(first);
    expect(await checkpoints.lastBefore('2026-11-20T10:00:00Z')).toBeUndefined();
    expect(await checkpoints.put(second)).toBe(false); // a number is never taken twice

    // An insider rewrites a chain head the checkpoint recorded: the next checkpoint is refused.
    const head = heads[0]!;
    const stored = all.find((entry) => entry.chain === head.chain && entry.seq === head.seq)!;
    const { hash: _hash, ...unhashed } = { ...stored, outcome: 'rewritten' };
    await documents.send(new PutCommand({ TableName: table, Item: auditItem({ ...unhashed, hash: entryHash(unhashed) }) }));
    await expect(makeCheckpoint(deps)).rejects.toThrow(CheckpointRollbackError);
  });
});
