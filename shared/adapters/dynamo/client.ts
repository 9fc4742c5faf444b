import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { boundedSdkClientOptions } from '../sdk-client-options.ts';

/**
 * The document client every store uses. `endpoint` points it at DynamoDB Local; in Lambda it
 * is left out and the SDK finds the regional endpoint and the function's credentials. Each
 * attempt is bounded (see boundedSdkClientOptions), so a database that stops answering is a 503.
 */
export function buildDocumentClient(options: { endpoint?: string | undefined; region?: string } = {}): DynamoDBDocumentClient {
  const local = options.endpoint !== undefined;
  const client = new DynamoDBClient({
    ...(local
      ? {
          endpoint: options.endpoint,
          region: options.region ?? 'local',
          // DynamoDB Local accepts any credentials; these never leave the machine.
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {}),
    ...boundedSdkClientOptions,
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
