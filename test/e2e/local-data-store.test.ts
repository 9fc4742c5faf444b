import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { localClient, networkAddresses, startDynamoLocal, type RunningDynamoLocal } from '../../infra/local/dynamo-local.ts';

/**
 * The embedded DynamoDB Local has no authentication, so it must be reachable only from this
 * machine: `npm start`'s data store answers on 127.0.0.1 and refuses a connection to any of the
 * machine's network addresses (where a neighbour on the same Wi-Fi would connect), and sends no
 * telemetry.
 */
let dynamo: RunningDynamoLocal;

beforeAll(async () => {
  dynamo = await startDynamoLocal();
}, 120_000);
afterAll(() => dynamo?.stop());

const reaches = (host: string, port: number) =>
  new Promise<boolean>((done) => {
    const socket = connect({ host, port });
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
  });

describe('the embedded DynamoDB Local', () => {
  it('answers on 127.0.0.1', async () => {
    const client = localClient(dynamo.endpoint);
    await expect(client.send(new ListTablesCommand({}))).resolves.toHaveProperty('TableNames');
    client.destroy();
  });

  it('cannot be reached from the network', async () => {
    const port = Number(new URL(dynamo.endpoint).port);
    const addresses = networkAddresses();
    expect(addresses.length, 'this test needs the machine to have a network address').toBeGreaterThan(0);
    for (const host of addresses) expect(await reaches(host, port), `${host}:${port}`).toBe(false);
  });

  it('runs without telemetry', () => {
    expect(dynamo.process.spawnargs).toContain('-disableTelemetry');
  });
});
