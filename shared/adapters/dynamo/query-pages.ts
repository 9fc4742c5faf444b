import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { storage } from './errors.ts';

/** Every item a Query finds, page by page as the caller iterates (each page one request, its failures translated). */
export async function* queryPages(client: DynamoDBDocumentClient, input: Omit<QueryCommandInput, 'ExclusiveStartKey'>): AsyncIterable<Record<string, unknown>> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await storage(() => client.send(new QueryCommand({ ...input, ExclusiveStartKey: start })));
    yield* page.Items ?? [];
    start = page.LastEvaluatedKey;
  } while (start);
}
