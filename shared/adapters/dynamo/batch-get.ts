import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DependencyUnavailableError } from '../../errors.ts';
import { storage } from './errors.ts';

const maxAttempts = 5;
/** BatchGetItem's limit on keys per call. */
const batchGetLimit = 100;

/**
 * Every item of `keys` that exists, read with as few BatchGetItem calls as the 100-key limit
 * allows (concurrently), retrying only the keys DynamoDB left unprocessed. Order is not kept.
 */
export async function batchGetAll(
  client: DynamoDBDocumentClient,
  table: string,
  keys: readonly Record<string, unknown>[],
  options: { consistent?: boolean } = {},
): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  const readChunk = async (chunk: Record<string, unknown>[]) => {
    let pending = chunk;
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      if (attempt > maxAttempts) throw new DependencyUnavailableError('The database is busy; retry shortly.', 2);
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
      const result = await storage(() =>
        client.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: options.consistent ?? false } } })),
      );
      found.push(...(result.Responses?.[table] ?? []));
      pending = (result.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    }
  };
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < keys.length; i += batchGetLimit) chunks.push(keys.slice(i, i + batchGetLimit));
  await Promise.all(chunks.map(readChunk));
  return found;
}
