import { expect } from 'vitest';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { localClient } from '../../infra/local/dynamo-local.ts';
import { canonicalJson, sha256Hex } from '#shared/canonical.ts';
import { publicationStatement } from '#shared/domain/publication.ts';
import { verifyStatement } from '#shared/domain/signing.ts';
import type { AlertRecord } from '#shared/records.ts';

export interface TableNames {
  readonly main: string;
  readonly tokens: string;
  readonly audit: string;
  readonly keys: string;
}

export type StoredState = Record<keyof TableNames, Record<string, unknown>[]>;

/**
 * Every item of every table, read straight from DynamoDB (Local) with a client of its own, in a
 * stable order: two snapshots are equal exactly when nothing was written in between.
 */
export async function storedState(endpoint: string, tables: TableNames): Promise<StoredState> {
  const raw = localClient(endpoint);
  const client = DynamoDBDocumentClient.from(raw);
  try {
    const scan = async (table: string) => {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await client.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }));
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return items
        .map((item) => [canonicalJson(item), item] as const)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([, item]) => item);
    };
    return { main: await scan(tables.main), tokens: await scan(tables.tokens), audit: await scan(tables.audit), keys: await scan(tables.keys) };
  } finally {
    raw.destroy();
  }
}

/** The alert records stored in the main table. */
export function storedAlerts(state: StoredState): AlertRecord[] {
  return state.main.filter((item) => item.sk === 'ALERT') as unknown as AlertRecord[];
}

/**
 * No half-written alert: every stored alert has its signed receipt; a published one has a
 * publication signature that verifies over what it says, and an index entry under every one of
 * its tokens; an alert in any other state has no index entry at all.
 */
export function expectWholeAlerts(state: StoredState, publicKeyPem: string): void {
  const indexed = (alertId: string) => state.tokens.filter((item) => `alert#${alertId}` in item).map((item) => item.token as string);
  for (const alert of storedAlerts(state)) {
    expect(alert.receipt.signature, `alert ${alert.alertId} has its receipt signature`).toEqual(expect.any(String));
    if (alert.status === 'published') {
      const statement = publicationStatement(alert);
      expect(alert.publication, `published alert ${alert.alertId} is signed`).toBeDefined();
      expect(alert.publication!.contentSha256).toBe(sha256Hex(canonicalJson(statement)));
      expect(verifyStatement(publicKeyPem, statement, alert.publication!.signature), `alert ${alert.alertId}'s publication signature verifies`).toBe(true);
      expect(indexed(alert.alertId).sort(), `published alert ${alert.alertId} is indexed under each token`).toEqual(
        alert.tokens.map(({ token }) => token).sort(),
      );
    } else {
      expect(indexed(alert.alertId), `${alert.status} alert ${alert.alertId} has no index entries`).toEqual([]);
    }
  }
}
