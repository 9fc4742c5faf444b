// PLACEHOLDER so the CDK app can bundle the `audit` route group; the audit-export work replaces this file.
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export const handler = async (): Promise<APIGatewayProxyStructuredResultV2> => ({
  statusCode: 501,
  headers: { 'content-type': 'application/problem+json' },
  body: JSON.stringify({ type: 'about:blank', title: 'Not Implemented', status: 501 }),
});
