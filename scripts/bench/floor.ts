/**
 * The floor: the storage round trips a check cannot avoid — reading its tokens' entries (one
 * BatchGetItem) and making it durable in the audit log (one write) — issued directly with the
 * stores' own document client against the same DynamoDB Local, at a given concurrency, for a
 * fixed time. Nothing else: no HTTP, no HMAC, no quota, no chain.
 */
import { BatchGetCommand, PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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
  /**
   * A reference, not the floor: also count the check against a quota counter (one item per
   * worker in this table), in the same TransactWriteItems as the audit Put — what the quota
   * guarantee adds to the floor's write.
   */
  readonly counterTable?: string;
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
    Array.from({ length: options.concurrency }, async (_, worker) => {
      while (performance.now() < deadline) {
        const tokens = options.tokenSets[turn++ % options.tokenSets.length]!;
        const seq = nextSeq++;
        const t0 = performance.now();
        await options.documents.send(
          new BatchGetCommand({ RequestItems: { [options.tokenTable]: { Keys: tokens.map((token) => ({ [attr.token]: token })) } } }),
        );
        const put = {
          TableName: options.auditTable,
          Item: { ...options.auditItem, [attr.chain]: floorChain, [attr.seq]: seq },
          ConditionExpression: 'attribute_not_exists(#seq)',
          ExpressionAttributeNames: { '#seq': attr.seq },
        };
        if (options.counterTable) {
          const counter = {
            TableName: options.counterTable,
            Key: { [attr.pk]: 'BENCH#floor', [attr.sk]: `W#${worker}` },
            UpdateExpression: 'ADD #n :one',
            ConditionExpression: 'attribute_not_exists(#n) OR #n < :max',
            ExpressionAttributeNames: { '#n': 'count' },
            ExpressionAttributeValues: { ':one': 1, ':max': Number.MAX_SAFE_INTEGER },
          };
          await options.documents.send(new TransactWriteCommand({ TransactItems: [{ Update: counter }, { Put: put }] }));
        } else await options.documents.send(new PutCommand(put));
        latencies?.push(performance.now() - t0);
      }
    }),
  );
}
