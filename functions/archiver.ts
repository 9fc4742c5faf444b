import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { auditChangeOf } from '#shared/adapters/dynamo/audit-stream-records.ts';
import { copyAuditChanges } from '#shared/domain/audit-stream.ts';
import { lambdaDeps } from './http/lambda-deps.ts';

/**
 * The audit table's stream (an event source mapping invokes it with batches in stream order):
 * copies each entry into the write-once bucket, and records and reports any entry changed or
 * deleted. A change that fails is reported as the batch's first failure, so Lambda delivers it
 * and everything after it again (ReportBatchItemFailures).
 */
export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const report = await copyAuditChanges(lambdaDeps(), event.Records.map(auditChangeOf));
  return { batchItemFailures: report.failedAt ? [{ itemIdentifier: report.failedAt.position }] : [] };
};
