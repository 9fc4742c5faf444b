/**
 * Growth: published alerts seeded quickly through the domain's own builders (tokens from
 * `computeTokens`, index entries from `indexEntry`), written as the token index items a
 * publication writes; and audit append throughput through the real appender.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { attr } from '#shared/adapters/dynamo/tables.ts';
import { buildAuditLog } from '#shared/adapters/dynamo/audit-log.ts';
import { computeTokens } from '#shared/identifiers/tokens.ts';
import { indexEntry } from '#shared/domain/publication.ts';
import { addDays, isoInstant } from '#shared/dates.ts';
import type { Keyring } from '#shared/ports.ts';
import type { AlertRecord, AuditEvent } from '#shared/records.ts';
import { subject } from './subjects.ts';
import { summarise, type LatencySummary } from './stats.ts';

/** BatchWriteItem's limit on items per call. */
const batchWriteLimit = 25;

/**
 * Seeds published alerts for subjects `from` .. `to - 1`: each alert's tokens get the index entry a
 * publication writes (`alert#<alertId>` → what a check needs). Subjects are distinct, so no token
 * item is shared and a Put writes exactly what publication's Update would.
 */
export async function seedPublishedAlerts(options: {
  documents: DynamoDBDocumentClient;
  tokenTable: string;
  keyring: Keyring;
  phoneRegion: string;
  practiceId: string;
  from: number;
  to: number;
  writers?: number;
}): Promise<{ alerts: number; items: number; seconds: number }> {
  const started = performance.now();
  const now = new Date();
  const publishedAt = isoInstant(now);
  const expiresAt = isoInstant(addDays(now, 730));
  let next = options.from;
  let items = 0;
  const makeItems = async (n: number) => {
    const tokens = await computeTokens(options.keyring, subject(n), options.phoneRegion);
    const alert = {
      alertId: `alt_bench${String(n).padStart(9, '0')}`,
      practiceId: options.practiceId,
      status: 'published',
      incident: { occurredOn: '2026-01-02', category: 'harassment', severity: 'medium' },
      tokens,
      publishedAt,
      expiresAt,
    } as unknown as AlertRecord;
    const entry = indexEntry(alert);
    return tokens.map(({ token, kind }) => ({ [attr.token]: token, kind, [`${attr.indexEntryPrefix}${alert.alertId}`]: entry }));
  };
  await Promise.all(
    Array.from({ length: options.writers ?? 8 }, async () => {
      const pending: Record<string, unknown>[] = [];
      const flush = async (all: boolean) => {
        while (pending.length >= batchWriteLimit || (all && pending.length > 0)) {
          let batch = pending.splice(0, batchWriteLimit).map((Item) => ({ PutRequest: { Item } }));
          for (let attempt = 0; batch.length > 0; attempt += 1) {
            if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(200, 10 * 2 ** attempt)));
            const result = await options.documents.send(new BatchWriteCommand({ RequestItems: { [options.tokenTable]: batch } }));
            batch = (result.UnprocessedItems?.[options.tokenTable] ?? []) as typeof batch;
          }
        }
      };
      while (next < options.to) {
        const made = await makeItems(next++);
        pending.push(...made);
        items += made.length;
        await flush(false);
      }
      await flush(true);
    }),
  );
  return { alerts: options.to - options.from, items, seconds: (performance.now() - started) / 1000 };
}

/**
 * Appends `check.performed` entries through the real appender for a fixed time. Each writer is
 * its own appender, as each Lambda container is: they race for sequence numbers the way
 * concurrent Lambdas do, and lose and retry as they would.
 */
export async function measureAuditAppends(options: {
  documents: DynamoDBDocumentClient;
  auditTable: string;
  event: AuditEvent;
  writers: number;
  seconds: number;
}): Promise<LatencySummary & { writers: number; failed: number }> {
  const latencies: number[] = [];
  let failed = 0;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  await Promise.all(
    Array.from({ length: options.writers }, async () => {
      const log = buildAuditLog(options.documents, options.auditTable);
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await log.append([options.event], new Date());
          latencies.push(performance.now() - t0);
        } catch {
          failed += 1;
        }
      }
    }),
  );
  return { ...summarise(latencies, (performance.now() - started) / 1000), writers: options.writers, failed };
}
