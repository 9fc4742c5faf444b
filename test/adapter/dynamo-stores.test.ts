import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ConditionalCheckFailedException, DynamoDBClient, ProvisionedThroughputExceededException, RequestLimitExceeded,
  ThrottlingException, TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { buildAlertStore, buildTokenIndex } from '#shared/adapters/dynamo/alert-store.ts';
import { buildApiKeyStore, buildClauseStore, buildPracticeStore } from '#shared/adapters/dynamo/simple-stores.ts';
import { ConflictError, DependencyUnavailableError } from '#shared/errors.ts';
import { StaleAlertError, type AlertRecord, type IdempotencyRecord, type IndexedAlert } from '#shared/ports.ts';
import { collect } from '../support/collect.ts';
import './support.ts';

const tables = { main: 'main-table', tokens: 'token-table' };
const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-2' }));
const alerts = buildAlertStore(client, tables);
const $metadata = {};

const canceled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata, CancellationReasons: codes.map((Code) => ({ Code })) });
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata });

const alert: AlertRecord = {
  alertId: 'alert-1',
  practiceId: 'practice-1',
  status: 'published',
  submittedAt: '2025-01-01T00:00:00Z',
  tokens: [{ kind: 'phone', token: 'tok-phone' }, { kind: 'name', token: 'tok-name' }],
  incident: { occurredOn: '2024-12-30', category: 'harassment', severity: 'high' },
  summaryCiphertext: 'AYADeJ==',
  consent: { clauseId: 'c', clauseVersion: 1, clauseSha256: 'aa', signedOn: '2024-12-31', method: 'e_signature', documentSha256: 'bb' },
  receipt: { alertId: 'alert-1', submittedAt: '2025-01-01T00:00:00Z', practiceId: 'practice-1', contentSha256: 'cc', signature: 'sig', keyId: 'k' },
  reviews: [],
  history: [],
  version: 3,
};
const indexed: IndexedAlert = {
  alertId: 'alert-1', practiceId: 'practice-1', category: 'harassment', severity: 'high', publishedOn: '2025-01-02', expiresAt: '2026-01-02T00:00:00Z',
};
const idempotency: IdempotencyRecord = {
  practiceId: 'practice-1', key: 'idem-1', fingerprint: 'fp', alertId: 'alert-0', response: { alertId: 'alert-0' }, expiresAt: '2099-01-01T00:00:00Z',
};

beforeEach(() => ddb.reset());

describe('alert store: update', () => {
  it('writes the new state with a version condition', async () => {
    ddb.on(PutCommand).resolves({});
    await alerts.update(alert, 2, undefined);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: tables.main, ConditionExpression: '#version = :expected', ExpressionAttributeValues: { ':expected': 2 },
    });
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('turns a failed version condition into StaleAlertError', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());
    await expect(alerts.update(alert, 2, undefined)).rejects.toBeInstanceOf(StaleAlertError);
  });

  it.each([
    ['the version condition failed', ['ConditionalCheckFailed', 'None', 'None']],
    ['another transaction touched the items', ['None', 'TransactionConflict', 'None']],
  ])('turns a cancelled transaction into StaleAlertError when %s', async (_, codes) => {
    ddb.on(TransactWriteCommand).rejects(canceled(...codes));
    await expect(alerts.update(alert, 2, { publish: indexed })).rejects.toMatchObject({ name: 'StaleAlertError', alertId: 'alert-1' });
  });

  it('publishing writes the alert and one token-index Update per token, in one transaction', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await alerts.update(alert, 2, { publish: indexed });
    const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items).toHaveLength(3);
    expect(items[0]!.Put).toMatchObject({ TableName: tables.main, ConditionExpression: '#version = :expected' });
    expect(items.slice(1).map((item) => item.Update)).toEqual(
      alert.tokens.map(({ token, kind }) => ({
        TableName: tables.tokens,
        Key: { token },
        UpdateExpression: 'SET #entry = :entry, #kind = :kind',
        ExpressionAttributeNames: { '#entry': 'alert#alert-1', '#kind': 'kind' },
        ExpressionAttributeValues: { ':entry': indexed, ':kind': kind },
      })),
    );
  });

  it('unpublishing REMOVEs the alert\'s entry from every token item', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    await alerts.update({ ...alert, status: 'retracted' }, 3, { unpublish: true });
    const updates = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!.slice(1).map((item) => item.Update);
    expect(updates).toEqual(
      alert.tokens.map(({ token }) => ({
        TableName: tables.tokens, Key: { token }, UpdateExpression: 'REMOVE #entry', ExpressionAttributeNames: { '#entry': 'alert#alert-1' },
      })),
    );
  });
});

describe('alert store: create and idempotency', () => {
  it('creates without idempotency with a single conditional Put', async () => {
    ddb.on(PutCommand).resolves({});
    await expect(alerts.create(alert)).resolves.toEqual({ created: true });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, { TableName: tables.main, ConditionExpression: 'attribute_not_exists(#pk)' });
  });

  it('returns the stored record when another request won the idempotency race', async () => {
    ddb.on(TransactWriteCommand).rejects(canceled('None', 'ConditionalCheckFailed'));
    const stored = { pk: 'IDEMPOTENCY#practice-1#idem-1', sk: 'IDEMPOTENCY', ttl: 4070908800, ...idempotency, alertId: 'alert-winner' };
    ddb.on(GetCommand).resolves({ Item: stored });

    await expect(alerts.create(alert, idempotency)).resolves.toEqual({ created: false, existing: { ...idempotency, alertId: 'alert-winner' } });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      TableName: tables.main, Key: { pk: 'IDEMPOTENCY#practice-1#idem-1', sk: 'IDEMPOTENCY' }, ConsistentRead: true,
    });
  });

  it('asks the caller to retry when the idempotency record is being written concurrently', async () => {
    ddb.on(TransactWriteCommand).rejects(canceled('None', 'TransactionConflict'));
    await expect(alerts.create(alert, idempotency)).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('asks the caller to retry when the winning record has vanished by the time it is read', async () => {
    ddb.on(TransactWriteCommand).rejects(canceled('None', 'ConditionalCheckFailed'));
    ddb.on(GetCommand).resolves({});
    await expect(alerts.create(alert, idempotency)).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('answers 503 when DynamoDB cancels the transaction for throttling', async () => {
    ddb.on(TransactWriteCommand).rejects(canceled('ThrottlingError', 'None'));
    await expect(alerts.create(alert, idempotency)).rejects.toMatchObject({ status: 503 });
    await expect(alerts.update(alert, 2, { publish: indexed })).rejects.toMatchObject({ status: 503 });
  });

  it('ignores an idempotency record past its expiry even if DynamoDB has not deleted it', async () => {
    ddb.on(GetCommand).resolves({ Item: { pk: 'p', sk: 's', ...idempotency, expiresAt: '2025-01-01T00:00:00Z' } });
    await expect(alerts.getIdempotency('practice-1', 'idem-1', new Date('2025-01-02T00:00:00Z'))).resolves.toBeUndefined();
    await expect(alerts.getIdempotency('practice-1', 'idem-1', new Date('2024-12-31T00:00:00Z'))).resolves.toEqual({
      ...idempotency, expiresAt: '2025-01-01T00:00:00Z',
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

  it('retries only the unprocessed keys, then returns every token\'s entries', async () => {
    ddb.on(BatchGetCommand)
      .resolvesOnce({
        Responses: { [tables.tokens]: [{ token: 'a', kind: 'phone', 'alert#alert-1': indexed }] },
        UnprocessedKeys: { [tables.tokens]: { Keys: [{ token: 'b' }] } },
      })
      .resolvesOnce({ Responses: { [tables.tokens]: [{ token: 'b', kind: 'name' }] } });

    const found = await index.lookup(['a', 'b', 'a']);
    expect(found).toEqual(new Map([['a', [indexed]], ['b', []]]));
    const requested = ddb.commandCalls(BatchGetCommand).map((call) => call.args[0].input.RequestItems![tables.tokens]!.Keys);
    expect(requested).toEqual([[{ token: 'a' }, { token: 'b' }], [{ token: 'b' }]]);
  });

  it('gives up with a 503 after five attempts that leave keys unprocessed', async () => {
    vi.useFakeTimers();
    ddb.on(BatchGetCommand).resolves({ UnprocessedKeys: { [tables.tokens]: { Keys: [{ token: 'a' }] } } });
    const outcome = expect(index.lookup(['a'])).rejects.toMatchObject({ name: 'DependencyUnavailableError', status: 503 });
    await vi.runAllTimersAsync();
    await outcome;
    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 5);
  });
});

describe('transient DynamoDB failures become 503s', () => {
  const network = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' });
  const cases: [string, Error, () => Promise<unknown>][] = [
    ['alert get', new ProvisionedThroughputExceededException({ message: 'slow down', $metadata }), () => alerts.get('alert-1')],
    ['practice get', new ThrottlingException({ message: 'slow down', $metadata }), () => buildPracticeStore(client, tables.main).get('p')],
    ['api key get', network, () => buildApiKeyStore(client, 'keys').get('k')],
    ['clause list', new RequestLimitExceeded({ message: 'slow down', $metadata }), () => buildClauseStore(client, tables.main).list()],
    ['token lookup', new ThrottlingException({ message: 'slow down', $metadata }), () => buildTokenIndex(client, tables.tokens).lookup(['a'])],
    ['alert update', new ProvisionedThroughputExceededException({ message: 'slow down', $metadata }), () => alerts.update(alert, 2, undefined)],
  ];

  it.each(cases)('%s', async (_, failure, call) => {
    ddb.onAnyCommand().rejects(failure);
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ status: 503, headers: { 'Retry-After': '2' }, cause: failure });
  });

  it('leaves a non-transient failure alone', async () => {
    const failure = new Error('ValidationException: bad key');
    ddb.onAnyCommand().rejects(failure);
    await expect(alerts.get('alert-1')).rejects.toBe(failure);
  });
});

describe('api key and clause stores', () => {
  it('revoking reports false for an unknown key and true otherwise', async () => {
    const keys = buildApiKeyStore(client, 'keys');
    ddb.on(UpdateCommand).rejectsOnce(conditionFailed()).resolves({});
    await expect(keys.revoke('missing', '2025-01-01T00:00:00Z')).resolves.toBe(false);
    await expect(keys.revoke('k-1', '2025-01-01T00:00:00Z')).resolves.toBe(true);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, { Key: { keyId: 'k-1' }, ConditionExpression: 'attribute_exists(#k)' });
  });

  it('putting a clause version that already exists is a ConflictError', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());
    const clause = { clauseId: 'c', version: 2, sha256: 'aa', text: 'I consent', publishedAt: '2025-01-01T00:00:00Z' };
    await expect(buildClauseStore(client, tables.main).put(clause)).rejects.toSatisfy((e) => e instanceof ConflictError && e.status === 409);
  });
});
