import { randomBytes } from 'node:crypto';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTables, localClient, startDynamoLocal, type RunningDynamoLocal } from '../../infra/local/dynamo-local.ts';
import { buildDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { buildAuditLog } from '#shared/adapters/dynamo/audit-log.ts';
import { buildPracticeStore } from '#shared/adapters/dynamo/simple-stores.ts';
import { indexNames, mainTable } from '#shared/adapters/dynamo/tables.ts';

/**
 * A data folder from before the console's lists: its main table lacks the by-kind index. The
 * local start-up adds the index to the table as it is, and DynamoDB fills it from the items
 * already stored, so the practices made before show up in the list.
 */
describe('a table from an older version', () => {
  // Its own DynamoDB Local: the run's shared one holds every suite's tables, and builds a new
  // index on a busy instance far more slowly than a start-up on a laptop does.
  let dynamo: RunningDynamoLocal;
  beforeAll(async () => {
    dynamo = await startDynamoLocal();
  });
  afterAll(() => dynamo.stop());

  it('gets the indexes it lacks, filled from the items it already holds', async () => {
    const endpoint = dynamo.endpoint;
    const name = `t${randomBytes(4).toString('hex')}-main`;
    const older = { ...mainTable, globalSecondaryIndexes: mainTable.globalSecondaryIndexes.filter((gsi) => gsi.indexName !== indexNames.byKind) };
    await ensureTables(endpoint, [{ definition: older, name }]);
    const documents = buildDocumentClient({ endpoint });
    const before = { practiceId: 'prc_01jd4qz7k5v8m2n3p4q5r6s7t8', name: 'Harbour Massage', region: 'CT', createdAt: '2026-01-02T03:04:05Z' };
    await documents.send(new PutCommand({ TableName: name, Item: { pk: `PRACTICE#${before.practiceId}`, sk: 'PRACTICE', ...before } }));

    await ensureTables(endpoint, [{ definition: mainTable, name }]);
    const client = localClient(endpoint);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    expect((Table?.GlobalSecondaryIndexes ?? []).map((gsi) => gsi.IndexName).sort()).toEqual(
      mainTable.globalSecondaryIndexes.map((gsi) => gsi.indexName).sort(),
    );
    const practices = buildPracticeStore(documents, name, buildAuditLog(documents, `${name}-audit-unused`));
    expect(await practices.list()).toEqual([before]);
    // A second start changes nothing.
    await ensureTables(endpoint, [{ definition: mainTable, name }]);
    client.destroy();
  }, 180_000); // DynamoDB Local builds indexes slowly on a busy machine
});
