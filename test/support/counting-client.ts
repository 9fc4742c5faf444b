import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildDocumentClient } from '#shared/adapters/dynamo/client.ts';

/** A document client for DynamoDB Local that counts the requests it sends, by command (`TransactWriteItemsCommand`, `GetItemCommand`, …). */
export function countingClient(endpoint: string | undefined): { client: DynamoDBDocumentClient; sent: Map<string, number> } {
  const client = buildDocumentClient({ endpoint });
  const sent = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => (args) => {
      sent.set(context.commandName!, (sent.get(context.commandName!) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return { client, sent };
}
