import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { buildAlertStore, buildTokenIndex } from '#shared/adapters/dynamo/alert-store.ts';
import { buildApiKeyStore, buildClauseStore, buildPracticeStore } from '#shared/adapters/dynamo/simple-stores.ts';
import { buildAuditLog } from '#shared/adapters/dynamo/audit-log.ts';
import { genesisHash } from '#shared/audit/chain.ts';
import { ConflictError, DependencyUnavailableError } from '#shared/errors.ts';
import { StaleAlertError } from '#shared/ports.ts';
import type { AlertRecord, AuditBatch, IdempotencyRecord, IndexedAlert } from '#shared/records.ts';
import { slotOf } from '#shared/stats/tally.ts';
import { collect } from '../support/collect.ts';
import './support.ts';

const tables = { main: 'main-table', tokens: 'token-table', audit: 'audit-table' };
const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-2' }));
const audit = buildAuditLog(client, tables.audit, { chains: 1 });
const alerts = buildAlertStore(client, tables, audit);
const batch: AuditBatch = {
  events: [{ action: 'alert.retracted', actor: { keyId: 'key-1', role: 'admin' }, targets: { alertId: 'alert-1' }, outcome: 'retracted' }],
  now: new Date('2025-01-03T00:00:00Z'),
};
/** The items of the n-th transaction sent. */
/** What an ADD update adds, by attribute name. */
const added = (update: { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> } | undefined) =>
  Object.fromEntries(
    Object.entries(update!.ExpressionAttributeNames!)
      .filter(([placeholder]) => placeholder.startsWith('#a'))
      .map(([placeholder, name]) => [name, update!.ExpressionAttributeValues![`:${placeholder.slice(1)}`]]),
  );
const transaction = (n = 0) => ddb.commandCalls(TransactWriteCommand)[n]!.args[0].input.TransactItems!;
const $metadata = {};

const canceled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata, CancellationReasons: codes.map((Code) => ({ Code })) });

const alert: AlertRecord = {
  alertId: 'alert-1',
  practiceId: 'practice-1',
  status: 'published',
  submittedAt: '2025-01-01T00:00:00Z',
  tokens: [
    { kind: 'phone', token: 'tok-phone' },
    { kind: 'name', token: 'tok-name' },
  ],
  incident: { occurredOn: '2024-12-30', category: 'harassment', severity: 'high' },
  summaryCiphertext: 'AYADeJ==',
  consent: { clauseId: 'c', clauseVersion: 1, clauseSha256: 'aa', signedOn: '2024-12-31', method: 'e_signature', documentSha256: 'bb' },
  receipt: {
    alertId: 'alert-1',
    submittedAt: '2025-01-01T00:00:00Z',
    practiceId: 'practice-1',
    contentSha256: 'cc',
    digest: 'hmac-sha256',
    signature: 'sig',
    keyId: 'k',
  },
  reviews: [],
  history: [],
  version: 3,
};
const indexed: IndexedAlert = {
  alertId: 'alert-1',
  practiceId: 'practice-1',
  category: 'harassment',
  severity: 'high',
  publishedOn: '2025-01-02',
  expiresAt: '2026-01-02T00:00:00Z',
};
const idempotency: IdempotencyRecord = {
  practiceId: 'practice-1',
  key: 'idem-1',
  fingerprint: 'fp',
  alertId: 'alert-0',
  response: { alertId: 'alert-0' },
  expiresAt: '2099-01-01T00:00:00Z',
};

beforeEach(() => {
  ddb.reset();
  // An empty audit chain unless a test says otherwise.
  ddb.on(QueryCommand, { TableName: tables.audit }).resolves({ Items: [] });
  // After a lost race the audit log looks whether the entry it tried is its own (an SDK retry): here it never is.
  ddb.on(GetCommand, { TableName: tables.audit }).resolves({});
});

describe('alert store: update', () => {
  it('writes the new state with a version condition and its audit entry, in one transaction', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await alerts.update(alert, 2, undefined, batch);
    const items = transaction();
    expect(items).toHaveLength(2);
    expect(items[0]!.Put).toMatchObject({ TableName: tables.main, ConditionExpression: '#version = :expected', ExpressionAttributeValues: { ':expected': 2 } });
    expect(items[1]!.Put).toMatchObject({
      TableName: tables.audit,
      ConditionExpression: 'attribute_not_exists(#seq)',
      Item: { chain: 'c000', seq: 1, prevHash: genesisHash, action: 'alert.retracted', at: '2025-01-03T00:00:00Z' },
    });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, { TableName: tables.audit, ScanIndexForward: false, Limit: 1, ConsistentRead: true });
  });

  it('turns a failed version condition into StaleAlertError, and does not retry the audit part', async () => {
    ddb.on(TransactWriteCommand).rejects(canceled('ConditionalCheckFailed', 'None'));
    await expect(alerts.update(alert, 2, undefined, batch)).rejects.toBeInstanceOf(StaleAlertError);
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('retries with the new head when another writer took the next audit sequence number', async () => {
    const head = {
      chain: 'main',
      atSeq: 'x',
      seq: 41,
      at: '2025-01-02T00:00:00Z',
      prevHash: 'p',
      hash: 'h41',
      action: 'check.performed',
      actor: { keyId: 'k', role: 'practice' },
      targets: {},
      outcome: 'success',
    };
    ddb
      .on(QueryCommand, { TableName: tables.audit })
      .resolvesOnce({ Items: [] })
      .resolves({ Items: [head] });
    ddb.on(TransactWriteCommand).rejectsOnce(canceled('None', 'ConditionalCheckFailed')).resolves({});
    await alerts.update(alert, 2, undefined, batch);
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
    expect(transaction(1)[1]!.Put!.Item).toMatchObject({ seq: 42, prevHash: 'h41' });
  });

  it('retries a transaction that conflicted with another one, then succeeds', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(canceled('None', 'TransactionConflict', 'None', 'None'))
      .resolves({});
    await alerts.update(alert, 2, { publish: indexed }, batch);
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
  });

  it('publishing writes the alert and one token-index Update per token, in one transaction', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await alerts.update(alert, 2, { publish: indexed }, batch);
    const items = transaction();
    expect(items).toHaveLength(4);
    expect(items[0]!.Put).toMatchObject({ TableName: tables.main, ConditionExpression: '#version = :expected' });
    expect(items[3]!.Put).toMatchObject({ TableName: tables.audit });
    expect(items.slice(1, 3).map((item) => item.Update)).toEqual(
      alert.tokens.map(({ token, kind }) => ({
        TableName: tables.tokens,
        Key: { token },
        UpdateExpression: 'SET #entry = :entry, #kind = :kind ADD #rev :one',
        ExpressionAttributeNames: { '#entry': 'alert#alert-1', '#kind': 'kind', '#rev': 'rev' },
        ExpressionAttributeValues: { ':entry': indexed, ':kind': kind, ':one': 1 },
      })),
    );
  });

  it("unpublishing REMOVEs the alert's entry from every token item", async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await alerts.update({ ...alert, status: 'retracted' }, 3, { unpublish: true }, batch);
    const updates = transaction()
      .slice(1, -1)
      .map((item) => item.Update);
    expect(updates).toEqual(
      alert.tokens.map(({ token }) => ({
        TableName: tables.tokens,
        Key: { token },
        UpdateExpression: 'REMOVE #entry ADD #rev :one',
        ExpressionAttributeNames: { '#entry': 'alert#alert-1', '#rev': 'rev' },
        ExpressionAttributeValues: { ':one': 1 },
      })),
    );
  });

  it('reads an alert stored with a plain receipt digest (from before keyed digests) without it', async () => {
    const { digest: _scheme, ...legacyReceipt } = alert.receipt;
    ddb.on(GetCommand).resolves({ Item: { pk: 'ALERT#alert-1', sk: 'ALERT', ...alert, receipt: legacyReceipt } });
    const read = (await alerts.get('alert-1'))!;
    expect(read.receipt).toEqual({ alertId: 'alert-1', submittedAt: '2025-01-01T00:00:00Z', practiceId: 'practice-1', signature: 'sig', keyId: 'k' });
  });
});

describe('alert store: create and idempotency', () => {
  it('creates without idempotency with a conditional Put beside its audit entry', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await expect(alerts.create(alert, undefined, batch)).resolves.toEqual({ created: true });
    expect(transaction()[0]!.Put).toMatchObject({ TableName: tables.main, ConditionExpression: 'attribute_not_exists(#pk)' });
    // The network's alert counts and the statistics' alert events move in the same transaction.
    expect(transaction()[1]!.Update).toMatchObject({ TableName: tables.main, Key: { pk: 'STATS', sk: 'ALERTS' } });
    expect(added(transaction()[1]!.Update)).toEqual({ published: 1, [`g#published#${slotOf(alert.practiceId)}`]: 1 });
    expect(transaction()[2]!.Update).toMatchObject({ TableName: tables.main, Key: { pk: 'STATS', sk: 'ALERT_EVENTS' } });
    expect(added(transaction()[2]!.Update)).toMatchObject({
      submitted: 1,
      'p#submitted': new Set([slotOf(alert.practiceId)]),
      'a#submitted': new Set([slotOf(alert.alertId)]),
    });
    expect(transaction()[3]!.Put).toMatchObject({ TableName: tables.audit });
  });

  it("moves the alert counts and lists a decision under its reviewer in the alert's own transaction", async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await alerts.update(alert, 2, undefined, batch, {
      previousStatus: 'pending_review',
      decision: { reviewerKeyId: 'key-9', decidedAt: '2025-01-02T00:00:00Z' },
    });
    const items = transaction();
    const slot = slotOf(alert.practiceId);
    expect(items[1]!.Update).toMatchObject({ Key: { pk: 'STATS', sk: 'ALERTS' } });
    expect(added(items[1]!.Update)).toEqual({ published: 1, [`g#published#${slot}`]: 1, pending_review: -1, [`g#pending_review#${slot}`]: -1 });
    // A publication: counted, and its review time (submission to this write) in the histogram.
    expect(items[2]!.Update).toMatchObject({ Key: { pk: 'STATS', sk: 'ALERT_EVENTS' } });
    expect(Object.keys(added(items[2]!.Update)).filter((name) => !/^[pag]#/.test(name))).toEqual(['published', 'decided', expect.stringMatching(/^review#/)]);
    expect(items[3]!.Put).toMatchObject({ TableName: tables.main, Item: { pk: 'DECIDED#key-9', sk: '2025-01-02T00:00:00Z#alert-1', alertId: 'alert-1' } });
    expect(items[4]!.Put).toMatchObject({ TableName: tables.audit });
    // A move that keeps the status (an approval short of publication) leaves the counts alone.
    await alerts.update(alert, 3, undefined, batch, { previousStatus: 'published' });
    expect(transaction(1).map((item) => Object.keys(item)[0])).toEqual(['Put', 'Put']);
  });

  it('stores a published alert with the keys that let the expiry sweep find it', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await alerts.update({ ...alert, expiresAt: '2027-01-02T00:00:00Z' }, 2, undefined, batch);
    expect(transaction()[0]!.Put!.Item).toMatchObject({ gsi2pk: 'PUBLISHED', gsi2sk: '2027-01-02T00:00:00Z#alert-1' });
    await alerts.update({ ...alert, status: 'expired', expiresAt: '2027-01-02T00:00:00Z' }, 3, { unpublish: true }, batch);
    expect(transaction(1)[0]!.Put!.Item).not.toHaveProperty('gsi2pk');
  });

  it('returns the stored record when another request won the idempotency race', async () => {
    ddb.on(TransactWriteCommand).rejects(canceled('None', 'ConditionalCheckFailed', 'None'));
    const stored = { pk: 'IDEMPOTENCY#practice-1#idem-1', sk: 'IDEMPOTENCY', ttl: 4070908800, ...idempotency, alertId: 'alert-winner' };
    ddb.on(GetCommand).resolves({ Item: stored });

    await expect(alerts.create(alert, idempotency, batch)).resolves.toEqual({ created: false, existing: { ...idempotency, alertId: 'alert-winner' } });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      TableName: tables.main,
      Key: { pk: 'IDEMPOTENCY#practice-1#idem-1', sk: 'IDEMPOTENCY' },
      ConsistentRead: true,
    });
  });

  it('asks the caller to retry when the idempotency record is being written concurrently', async () => {
    vi.useFakeTimers();
    ddb.on(TransactWriteCommand).rejects(canceled('None', 'TransactionConflict', 'None'));
    const outcome = expect(alerts.create(alert, idempotency, batch)).rejects.toBeInstanceOf(DependencyUnavailableError);
    await vi.runAllTimersAsync();
    await outcome;
    vi.useRealTimers();
  });

  it('asks the caller to retry when the winning record has vanished by the time it is read', async () => {
    ddb.on(TransactWriteCommand).rejects(canceled('None', 'ConditionalCheckFailed', 'None'));
    ddb.on(GetCommand).resolves({});
    await expect(alerts.create(alert, idempotency, batch)).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('answers 503 when DynamoDB cancels the transaction for throttling', async () => {
    ddb.on(TransactWriteCommand).rejects(canceled('ThrottlingError', 'None', 'None'));
    await expect(alerts.create(alert, idempotency, batch)).rejects.toMatchObject({ kind: 'dependency_unavailable' });
    await expect(alerts.update(alert, 2, { publish: indexed }, batch)).rejects.toMatchObject({ kind: 'dependency_unavailable' });
  });

  it('ignores an idempotency record past its expiry even if DynamoDB has not deleted it', async () => {
    ddb.on(GetCommand).resolves({ Item: { pk: 'p', sk: 's', ...idempotency, expiresAt: '2025-01-01T00:00:00Z' } });
    await expect(alerts.getIdempotency('practice-1', 'idem-1', new Date('2025-01-02T00:00:00Z'))).resolves.toBeUndefined();
    await expect(alerts.getIdempotency('practice-1', 'idem-1', new Date('2024-12-31T00:00:00Z'))).resolves.toEqual({
      ...idempotency,
      expiresAt: '2025-01-01T00:00:00Z',
    });
  });
});

it('reads the review queue oldest first from the sparse GSI, page by page, without storage keys', async () => {
  const lastKey = { pk: 'ALERT#alert-1', sk: 'ALERT', gsi1pk: 'PENDING_REVIEW', gsi1sk: 'x' };
  ddb
    .on(QueryCommand)
    .resolvesOnce({ Items: [{ ...lastKey, ...alert }], LastEvaluatedKey: lastKey })
    .resolvesOnce({ Items: [{ ...lastKey, ...alert, alertId: 'alert-2' }] });
  await expect(collect(alerts.pendingReview(1))).resolves.toEqual([alert, { ...alert, alertId: 'alert-2' }]);
  expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 2);
  expect(ddb).toHaveReceivedNthCommandWith(QueryCommand, 1, { TableName: tables.main, IndexName: 'gsi1', ScanIndexForward: true, Limit: 1 });
  expect(ddb).toHaveReceivedNthCommandWith(QueryCommand, 2, { ExclusiveStartKey: lastKey });
});

describe('token index lookup', () => {
  const index = buildTokenIndex(client, tables.tokens);
  afterEach(() => vi.useRealTimers());

  it("retries only the unprocessed keys, then returns every token's entries", async () => {
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { [tables.tokens]: [{ token: 'a', kind: 'phone', 'alert#alert-1': indexed }] },
        UnprocessedKeys: { [tables.tokens]: { Keys: [{ token: 'b' }] } },
      })
      .resolvesOnce({ Responses: { [tables.tokens]: [{ token: 'b', kind: 'name' }] } });

    const found = await index.lookup(['a', 'b', 'a']);
    expect(found).toEqual(
      new Map([
        ['a', [indexed]],
        ['b', []],
      ]),
    );
    const requested = ddb.commandCalls(BatchGetCommand).map((call) => call.args[0].input.RequestItems![tables.tokens]!.Keys);
    expect(requested).toEqual([[{ token: 'a' }, { token: 'b' }], [{ token: 'b' }]]);
  });

  it('gives up with a 503 after five attempts that leave keys unprocessed', async () => {
    vi.useFakeTimers();
    ddb.on(BatchGetCommand).resolves({ UnprocessedKeys: { [tables.tokens]: { Keys: [{ token: 'a' }] } } });
    const outcome = expect(index.lookup(['a'])).rejects.toMatchObject({ name: 'DependencyUnavailableError', kind: 'dependency_unavailable' });
    await vi.runAllTimersAsync();
    await outcome;
    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 5);
  });
});

describe('transient DynamoDB failures become 503s', () => {
  const network = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' });
  const cases: [string, Error, () => Promise<unknown>][] = [
    ['alert get', new ProvisionedThroughputExceededException({ message: 'slow down', $metadata }), () => alerts.get('alert-1')],
    ['practice get', new ThrottlingException({ message: 'slow down', $metadata }), () => buildPracticeStore(client, tables.main, audit).get('p')],
    ['api key get', network, () => buildApiKeyStore(client, 'keys', audit).get('k')],
    ['clause list', new RequestLimitExceeded({ message: 'slow down', $metadata }), () => buildClauseStore(client, tables.main, audit).list()],
    ['token lookup', new ThrottlingException({ message: 'slow down', $metadata }), () => buildTokenIndex(client, tables.tokens).lookup(['a'])],
    ['alert update', new ProvisionedThroughputExceededException({ message: 'slow down', $metadata }), () => alerts.update(alert, 2, undefined, batch)],
  ];

  it.each(cases)('%s', async (_, failure, call) => {
    ddb.onAnyCommand().rejects(failure);
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ kind: 'dependency_unavailable', retryAfterSeconds: 2, cause: failure });
  });

  it('leaves a non-transient failure alone', async () => {
    const failure = new Error('ValidationException: bad key');
    ddb.onAnyCommand().rejects(failure);
    await expect(alerts.get('alert-1')).rejects.toBe(failure);
  });
});

describe('api key and clause stores', () => {
  it('revoking reports false for an unknown key and true otherwise', async () => {
    const keys = buildApiKeyStore(client, 'keys', audit);
    ddb.on(TransactWriteCommand).rejectsOnce(canceled('ConditionalCheckFailed', 'None')).resolves({});
    await expect(keys.revoke('missing', '2025-01-01T00:00:00Z', batch)).resolves.toBe(false);
    await expect(keys.revoke('k-1', '2025-01-01T00:00:00Z', batch)).resolves.toBe(true);
    expect(transaction(1)[0]!.Update).toMatchObject({ Key: { keyId: 'k-1' }, ConditionExpression: 'attribute_exists(#k)' });
  });

  it('putting a clause version that already exists is a ConflictError', async () => {
    ddb.on(TransactWriteCommand).rejects(canceled('ConditionalCheckFailed', 'None'));
    const clause = { clauseId: 'c', version: 2, sha256: 'aa', text: 'I consent', publishedAt: '2025-01-01T00:00:00Z' };
    await expect(buildClauseStore(client, tables.main, audit).put(clause, batch)).rejects.toSatisfy((e) => e instanceof ConflictError && e.kind === 'conflict');
  });
});
