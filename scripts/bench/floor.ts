/**
 * The floor: the storage round trips a check cannot avoid — reading its tokens' entries (one
 * BatchGetItem) and making it durable in the audit log (one write) — issued directly with the
 * stores' own document client against the same DynamoDB Local, at a given concurrency, for a
 * fixed time. Nothing else: no HTTP, no HMAC, no quota, no chain.
 */
import { BatchGetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { attr } from '#shared/adapters/dynamo/tables.ts';
import { summarise, type LatencySummary } from './stats.ts';

export interface FloorOptions {
  readonly documents: DynamoDBDocumentClient;
  readonly tokenTable: string;
  readonly auditTable: string;
  /** Token lists of real checks, used in turn. */
  readonly tokenSets: readonly (readonly string[])[];
  /** A real check's audit item, written again under the floor's own chain with a fresh seq. */
  readonly auditItem: Record<string, unknown>;
  readonly concurrency: number;
  readonly seconds: number;
  readonly warmupSeconds?: number;
}

/** A chain name of its own, so the floor's items never touch the real audit chain. */
const floorChain = 'bench-floor';
let nextSeq = 1;

export async function measureFloor(options: FloorOptions): Promise<LatencySummary & { concurrency: number; seconds: number }> {
  if (options.warmupSeconds) await loop(options, options.warmupSeconds, undefined);
  const latencies: number[] = [];
  const started = performance.now();
  await loop(options, options.seconds, latencies);
  const seconds = (performance.now() - started) / 1000;
  return { ...summarise(latencies, seconds), concurrency: options.concurrency, seconds };
}

async function loop(options: FloorOptions, seconds: number, latencies: number[] | undefined): Promise<void> {
  const deadline = performance.now() + seconds * 1000;
  let turn = 0;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline) {
        const tokens = options.tokenSets[turn++ % options.tokenSets.length]!;
        const seq = nextSeq++;
        const t0 = performance.now();
        await options.documents.send(new BatchGetCommand({ RequestItems: { [options.tokenTable]: { Keys: tokens.map((token) => ({ [attr.token]: token })) } } }));
        await options.documents.send(
          new PutCommand({
            TableName: options.auditTable,
            Item: { ...options.auditItem, [attr.chain]: floorChain, [attr.seq]: seq },
            ConditionExpression: 'attribute_not_exists(#seq)',
            ExpressionAttributeNames: { '#seq': attr.seq },
          }),
        );
        latencies?.push(performance.now() - t0);
      }
    }),
  );
}
