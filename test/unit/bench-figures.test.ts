import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DynamoDBClient, GetItemCommand, BatchGetItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { Readable } from 'node:stream';
import { percentile, ratio, summarise } from '../../scripts/bench/stats.ts';
import { bundleGoal, costGoal, floorGoal, growthGoal } from '../../scripts/bench/goals.ts';
import {
  classify,
  countDynamoRequest,
  countingCipher,
  countingKeyring,
  countingSigner,
  instrumentDynamo,
  perUnit,
  RequestCounter,
  tablesOf,
} from '../../scripts/bench/counting.ts';
import type { Keyring, Signer, TextCipher } from '#shared/ports.ts';

describe('bench percentiles', () => {
  it('takes the nearest rank', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 95)).toBe(95);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('is one of the samples, ordered p50 ≤ p95 ≤ p99, whatever the order they came in', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 200 }), (samples) => {
        const summary = summarise(samples, 2);
        expect(samples).toContain(summary.p50);
        expect(summary.p50).toBeLessThanOrEqual(summary.p95);
        expect(summary.p95).toBeLessThanOrEqual(summary.p99);
        expect(summary.count).toBe(samples.length);
        expect(summary.perSecond).toBeCloseTo(samples.length / 2);
      }),
    );
  });

  it('gives no ratio to a missing floor', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(3, 0)).toBeNaN();
    expect(ratio(3, Number.NaN)).toBeNaN();
  });
});

describe('bench goals', () => {
  it('meets the floor goal only when every level is within 1.5×', () => {
    expect(
      floorGoal([
        { concurrency: 1, checkP50: 3, floorP50: 2 },
        { concurrency: 8, checkP50: 2.9, floorP50: 2 },
      ]).met,
    ).toBe(true);
    const missed = floorGoal([
      { concurrency: 1, checkP50: 3, floorP50: 2 },
      { concurrency: 32, checkP50: 31, floorP50: 20 },
    ]);
    expect(missed.met).toBe(false);
    expect(missed.detail).toContain('c32 1.55×');
    expect(floorGoal([]).met).toBeUndefined();
  });

  it('holds cost to one KMS request per token kind, one read and one write', () => {
    expect(costGoal({ tokenKinds: 4, kms: 4, dynamoReads: 1, dynamoWrites: 1 }).met).toBe(true);
    expect(costGoal({ tokenKinds: 4, kms: 8, dynamoReads: 1, dynamoWrites: 1 }).met).toBe(false);
    expect(costGoal({ tokenKinds: 4, kms: 4, dynamoReads: 2, dynamoWrites: 1 }).met).toBe(false);
    expect(costGoal({ tokenKinds: 4, kms: 4, dynamoReads: 1, dynamoWrites: 1.2 }).met).toBe(false);
    expect(costGoal(undefined).met).toBeUndefined();
  });

  it('calls growth flat within 20% either way, from the fewest alerts to the most', () => {
    expect(
      growthGoal([
        { alerts: 100_000, p50: 11.9 },
        { alerts: 1000, p50: 10 },
      ]).met,
    ).toBe(true);
    expect(
      growthGoal([
        { alerts: 1000, p50: 10 },
        { alerts: 100_000, p50: 12.1 },
      ]).met,
    ).toBe(false);
    expect(growthGoal([{ alerts: 1000, p50: 10 }]).met).toBeUndefined();
  });

  it('names the bundles over 300 KB', () => {
    expect(bundleGoal([{ name: 'checks', bytes: 299 * 1024 }]).met).toBe(true);
    const over = bundleGoal([
      { name: 'checks', bytes: 299 * 1024 },
      { name: 'alerts', bytes: 900 * 1024 },
    ]);
    expect(over.met).toBe(false);
    expect(over.detail).toBe('over: alerts 900 KB');
  });
});

describe('bench request counting', () => {
  it('classifies DynamoDB operations as reads and writes', () => {
    expect(['GetItem', 'BatchGetItem', 'Query'].map(classify)).toEqual(['read', 'read', 'read']);
    expect(['PutItem', 'UpdateItem', 'TransactWriteItems', 'BatchWriteItem'].map(classify)).toEqual(['write', 'write', 'write', 'write']);
    expect(classify('ListTables')).toBe('other');
  });

  it('finds every table a request names', () => {
    expect(tablesOf({ TableName: 'a' })).toEqual(['a']);
    expect(tablesOf({ RequestItems: { b: {}, c: {} } })).toEqual(['b', 'c']);
    expect(tablesOf({ TransactItems: [{ Update: { TableName: 'main' } }, { Put: { TableName: 'audit' } }] })).toEqual(['main', 'audit']);
  });

  it('counts the API keys lookup as authorisation, apart from the check', () => {
    const counter = new RequestCounter();
    countDynamoRequest(counter, 'GetItemCommand', { TableName: 'keys' }, 'keys');
    countDynamoRequest(counter, 'BatchGetItemCommand', { RequestItems: { tokens: {} } }, 'keys');
    const before = counter.snapshot();
    countDynamoRequest(counter, 'TransactWriteItemsCommand', { TransactItems: [{ Update: { TableName: 'main' } }] }, 'keys');
    expect(counter.snapshot()).toEqual({ 'auth.read.GetItem': 1, 'dynamo.read.BatchGetItem': 1, 'dynamo.write.TransactWriteItems': 1 });
    expect(counter.since(before)).toEqual({ 'dynamo.write.TransactWriteItems': 1 });
    expect(perUnit(counter.snapshot(), 1)).toMatchObject({ dynamoReads: 1, dynamoWrites: 1, authReads: 1, kms: 0 });
  });

  it('counts each request a real SDK client sends, document commands included, once each', async () => {
    const answered: string[] = [];
    const client = new DynamoDBClient({
      region: 'local',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      endpoint: 'http://127.0.0.1:9',
      requestHandler: {
        handle: async (request: { headers: Record<string, string> }) => {
          answered.push(request.headers['x-amz-target'] ?? '');
          return { response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Readable.from([Buffer.from('{}')]) } };
        },
      } as never,
    });
    const documents = DynamoDBDocumentClient.from(client);
    const counter = new RequestCounter();
    instrumentDynamo(documents, counter, 'keys');
    await documents.send(new GetCommand({ TableName: 'keys', Key: { keyId: 'k' } }));
    await documents.send(new PutCommand({ TableName: 'main', Item: { pk: 'a', sk: 'b' } }));
    await client.send(new GetItemCommand({ TableName: 'main', Key: { pk: { S: 'a' }, sk: { S: 'b' } } }));
    await client.send(new BatchGetItemCommand({ RequestItems: { tokens: { Keys: [{ token: { S: 't' } }] } } }));
    await client.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: 'audit', Item: { chain: { S: 'c' } } } }] }));
    expect(answered).toHaveLength(5);
    expect(counter.snapshot()).toEqual({
      'auth.read.GetItem': 1,
      'dynamo.write.PutItem': 1,
      'dynamo.read.GetItem': 1,
      'dynamo.read.BatchGetItem': 1,
      'dynamo.write.TransactWriteItems': 1,
    });
  });

  it('counts MACs (previous keys too), signatures and envelope operations as KMS requests', async () => {
    const counter = new RequestCounter();
    const previous: Keyring = { version: 'v1', mac: async () => new Uint8Array([1]) };
    const keyring = countingKeyring({ version: 'v2', mac: async () => new Uint8Array([2]), previous: [previous] }, counter);
    expect(keyring.version).toBe('v2');
    expect(await keyring.mac('a')).toEqual(new Uint8Array([2]));
    expect(await keyring.previous![0]!.mac('a')).toEqual(new Uint8Array([1]));
    const signer = countingSigner({ keyId: 'k', sign: async () => new Uint8Array([3]), publicKeyPem: async () => 'pem' } satisfies Signer, counter);
    await signer.sign(new Uint8Array());
    const cipher = countingCipher({ encrypt: async () => 'c', decrypt: async () => 'p' } satisfies TextCipher, counter);
    expect(await cipher.encrypt('p', {})).toBe('c');
    expect(await cipher.decrypt('c', {})).toBe('p');
    expect(counter.snapshot()).toEqual({ 'kms.GenerateMac': 2, 'kms.Sign': 1, 'kms.GenerateDataKey': 1, 'kms.Decrypt': 1 });
    expect(perUnit(counter.snapshot(), 2).kms).toBe(2.5);
  });
});
