import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface FlakyProxy {
  readonly endpoint: string;
  /** The next `operation` (PutItem, TransactWriteItems, …) reaches DynamoDB, but its answer never comes back: the connection drops. */
  loseNextAnswerTo(operation: string): void;
  /** While true, every new connection is dropped at once (the database is out of reach). */
  refuse(on: boolean): void;
  /** Answers lost so far. */
  readonly lost: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of DynamoDB (Local) that can lose an answer after the request was carried
 * out: the one failure whose outcome the client cannot know. The SDK sees a dropped connection
 * and retries the very same request.
 */
export async function flakyProxy(upstream: string): Promise<FlakyProxy> {
  const target = new URL(upstream);
  const sockets = new Set<Socket>();
  let armed: string | undefined;
  let refusing = false;
  let lost = 0;
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (refusing) return void client.destroy();
    const database = connect(Number(target.port), target.hostname);
    sockets.add(database);
    database.on('close', () => sockets.delete(database));
    let request = '';
    let losing = false;
    client.on('data', (chunk: Buffer) => {
      request += chunk.toString('latin1');
      if (armed && request.includes(`DynamoDB_20120810.${armed}`)) {
        armed = undefined;
        losing = true;
      }
      database.write(chunk);
    });
    database.on('data', (chunk: Buffer) => {
      if (losing) {
        lost += 1;
        client.destroy();
        database.destroy();
        return;
      }
      request = '';
      client.write(chunk);
    });
    client.on('error', () => database.destroy());
    database.on('error', () => client.destroy());
    client.on('end', () => database.end());
    database.on('end', () => client.end());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    loseNextAnswerTo: (operation) => void (armed = operation),
    refuse: (on) => void (refusing = on),
    get lost() {
      return lost;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((done) => server.close(done));
    },
  };
}
