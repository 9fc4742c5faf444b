import { BatchWriteCommand, DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../../dates.ts';
import { DependencyUnavailableError } from '../../errors.ts';
import type { BookingRegistry } from '../../ports.ts';
import type { BookingRegistration, RescreenMatch } from '../../records.ts';
import type { AuditLog } from './audit-log.ts';
import { registrationsCounted, rescreenNotified } from '../../stats/counters.ts';
import { tallyUpdates } from './network-figures.ts';
import { batchGetAll } from './batch-get.ts';
import { storage } from './errors.ts';
import { queryPages } from './query-pages.ts';
import { attr, indexNames } from './tables.ts';

/**
 * Registered bookings in the main table, three kinds of item, each with the registration's TTL
 * (DynamoDB deletes them after the day after the appointment; the sweep deletes what TTL has not):
 *
 * - the registration: `pk = BOOKINGS#<practiceId>`, `sk = R|<ref>`, holding the booking's tokens
 *   (never an identifier) under `booking` (a nested map: no top-level practiceId, so it stays out
 *   of the by-kind index), and listed by expiry in the gsi2 index (`gsi2pk = BOOKING_EXPIRY`);
 * - a re-screen match: `pk = BOOKINGS#<practiceId>`, `sk = M|<ref>|<alertId>`, so one Query reads
 *   a practice's registrations and their matches;
 * - the token → registration index: one key-only item per token of a registration,
 *   `pk = RTOK#<token>`, `sk = <practiceId>|<ref>`. A publication Queries the partition of each of
 *   the alert's tokens (tens of lookups, however many bookings are registered).
 *
 * `|` cannot occur in a ref (shared/schemas.ts), so the keys never run into each other.
 */
export const bookingKeys = {
  practicePk: (practiceId: string) => `BOOKINGS#${practiceId}`,
  registrationSk: (ref: string) => `R|${ref}`,
  matchSk: (ref: string, alertId: string) => `M|${ref}|${alertId}`,
  matchPrefix: (ref: string) => `M|${ref}|`,
  tokenPk: (token: string) => `RTOK#${token}`,
  tokenSk: (practiceId: string, ref: string) => `${practiceId}|${ref}`,
  expiryPk: 'BOOKING_EXPIRY',
} as const;

/**
 * The items a registration is stored as (what `register` writes, and what the re-screen benchmark
 * seeds): one key-only index item per distinct token, and the registration's own item.
 */
export function registrationItems(registration: BookingRegistration): { index: Record<string, unknown>[]; registration: Record<string, unknown> } {
  const ttl = epochSeconds(new Date(registration.expiresAt));
  const owner = bookingKeys.tokenSk(registration.practiceId, registration.ref);
  return {
    index: [...new Set(registration.tokens.map(({ token }) => token))].map((token) => ({
      [attr.pk]: bookingKeys.tokenPk(token),
      [attr.sk]: owner,
      [attr.ttl]: ttl,
    })),
    registration: {
      [attr.pk]: bookingKeys.practicePk(registration.practiceId),
      [attr.sk]: bookingKeys.registrationSk(registration.ref),
      [attr.gsi2pk]: bookingKeys.expiryPk,
      [attr.gsi2sk]: `${registration.expiresAt}#${owner}`,
      [attr.ttl]: ttl,
      booking: registration,
    },
  };
}

/** BatchWriteItem's limit on items per call. */
const batchWriteLimit = 25;
const maxAttempts = 6;

export function buildBookingRegistry(client: DynamoDBDocumentClient, table: string, audit: AuditLog): BookingRegistry {
  const registrationKey = (practiceId: string, ref: string) => ({ [attr.pk]: bookingKeys.practicePk(practiceId), [attr.sk]: bookingKeys.registrationSk(ref) });
  const tokenItemKey = (registration: Pick<BookingRegistration, 'practiceId' | 'ref'>, token: string) => ({
    [attr.pk]: bookingKeys.tokenPk(token),
    [attr.sk]: bookingKeys.tokenSk(registration.practiceId, registration.ref),
  });
  const ttlOf = (registration: BookingRegistration) => epochSeconds(new Date(registration.expiresAt));
  const distinctTokens = (registration: BookingRegistration) => [...new Set(registration.tokens.map(({ token }) => token))];

  /** Puts and deletes in batches of 25 (concurrently), retrying what DynamoDB left unprocessed. */
  const batchWrite = async (requests: Record<string, unknown>[]) => {
    const chunks: Record<string, unknown>[][] = [];
    for (let i = 0; i < requests.length; i += batchWriteLimit) chunks.push(requests.slice(i, i + batchWriteLimit));
    await Promise.all(
      chunks.map(async (chunk) => {
        let pending = chunk;
        for (let attempt = 1; pending.length > 0; attempt += 1) {
          if (attempt > maxAttempts) throw new DependencyUnavailableError('The database is busy; retry shortly.', 2);
          if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
          const result = await storage(() => client.send(new BatchWriteCommand({ RequestItems: { [table]: pending as never } })));
          pending = (result.UnprocessedItems?.[table] as Record<string, unknown>[] | undefined) ?? [];
        }
      }),
    );
  };

  const matchKeys = async (practiceId: string, ref: string) => {
    const keys: Record<string, unknown>[] = [];
    const pages = queryPages(client, {
      TableName: table,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': attr.pk, '#sk': attr.sk },
      ExpressionAttributeValues: { ':pk': bookingKeys.practicePk(practiceId), ':prefix': bookingKeys.matchPrefix(ref) },
      ProjectionExpression: '#pk, #sk',
    });
    for await (const item of pages) keys.push({ [attr.pk]: item[attr.pk], [attr.sk]: item[attr.sk] });
    return keys;
  };

  /** Deletes what a registration leaves behind once its own item is gone: index items and matches. */
  const removeTrail = async (registration: BookingRegistration) => {
    const deletes = [
      ...distinctTokens(registration).map((token) => tokenItemKey(registration, token)),
      ...(await matchKeys(registration.practiceId, registration.ref)),
    ].map((Key) => ({ DeleteRequest: { Key } }));
    await batchWrite(deletes);
  };

  return {
    register: async (registration, previous, batch) => {
      const items = registrationItems(registration);
      // Index items first: if the registration's own write then fails, they point at nothing
      // (a lookup finds no registration behind them) and expire with their TTL.
      await batchWrite(items.index.map((Item) => ({ PutRequest: { Item } })));
      await audit.transact(
        [
          { Put: { TableName: table, Item: items.registration } },
          // The network statistics count a new registration (a re-registration of the ref counts nothing) in its transaction.
          ...(previous ? [] : tallyUpdates(table, registrationsCounted(registration.practiceId, batch.now, 1), batch.now)),
        ],
        batch,
      );
      if (!previous) return;
      // A replaced registration: the index items only the old tokens had, and (if the tokens changed) its matches.
      const kept = new Set(distinctTokens(registration));
      const stale = distinctTokens(previous).filter((token) => !kept.has(token));
      const deletes: Record<string, unknown>[] = stale.map((token) => ({ DeleteRequest: { Key: tokenItemKey(previous, token) } }));
      if (stale.length > 0 || kept.size !== distinctTokens(previous).length) {
        deletes.push(...(await matchKeys(previous.practiceId, previous.ref)).map((Key) => ({ DeleteRequest: { Key } })));
      }
      await batchWrite(deletes);
    },
    get: (practiceId, ref) =>
      storage(async () => {
        const { Item } = await client.send(new GetCommand({ TableName: table, Key: registrationKey(practiceId, ref), ConsistentRead: true }));
        return Item ? (Item.booking as BookingRegistration) : undefined;
      }),
    list: async (practiceId) => {
      const registrations = new Map<string, { registration: BookingRegistration; matches: RescreenMatch[] }>();
      const matches: { ref: string; match: RescreenMatch }[] = [];
      const pages = queryPages(client, {
        TableName: table,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': attr.pk },
        ExpressionAttributeValues: { ':pk': bookingKeys.practicePk(practiceId) },
      });
      for await (const item of pages) {
        if (item.booking) registrations.set((item.booking as BookingRegistration).ref, { registration: item.booking as BookingRegistration, matches: [] });
        else if (item.match) matches.push({ ref: item.ref as string, match: item.match as RescreenMatch });
      }
      for (const { ref, match } of matches) registrations.get(ref)?.matches.push(match);
      return [...registrations.values()];
    },
    cancel: async (registration, batch) => {
      await audit.transact([{ Delete: { TableName: table, Key: registrationKey(registration.practiceId, registration.ref) } }], batch);
      await removeTrail(registration);
    },
    findByTokens: async (tokens, now) => {
      const owners = new Map<string, Record<string, unknown>>();
      await Promise.all(
        [...new Set(tokens)].map(async (token) => {
          const pages = queryPages(client, {
            TableName: table,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': attr.pk, '#sk': attr.sk },
            ExpressionAttributeValues: { ':pk': bookingKeys.tokenPk(token) },
            ProjectionExpression: '#sk',
          });
          for await (const item of pages) {
            const owner = item[attr.sk] as string;
            const cut = owner.indexOf('|');
            owners.set(owner, registrationKey(owner.slice(0, cut), owner.slice(cut + 1)));
          }
        }),
      );
      if (owners.size === 0) return [];
      const items = await batchGetAll(client, table, [...owners.values()]);
      return items.map((item) => item.booking as BookingRegistration).filter((registration) => Date.parse(registration.expiresAt) > now.getTime());
    },
    recordMatch: (registration, match) =>
      storage(async () => {
        await client.send(
          new PutCommand({
            TableName: table,
            Item: {
              [attr.pk]: bookingKeys.practicePk(registration.practiceId),
              [attr.sk]: bookingKeys.matchSk(registration.ref, match.alertId),
              [attr.ttl]: ttlOf(registration),
              ref: registration.ref,
              match,
            },
          }),
        );
        // The network statistics count the notified booking (an atomic ADD beside the match's write).
        const now = new Date(match.matchedAt);
        for (const { Update } of tallyUpdates(table, rescreenNotified(registration.practiceId, match.alertId, match.confidence, now), now)) {
          await client.send(new UpdateCommand(Update));
        }
      }),
    removeExpired: async (instant) => {
      let removed = 0;
      const due = queryPages(client, {
        TableName: table,
        IndexName: indexNames.publishedByExpiry,
        KeyConditionExpression: '#pk = :pk AND #sk <= :due',
        ExpressionAttributeNames: { '#pk': attr.gsi2pk, '#sk': attr.gsi2sk },
        ExpressionAttributeValues: { ':pk': bookingKeys.expiryPk, ':due': `${instant}#~` },
      });
      for await (const item of due) {
        const registration = item.booking as BookingRegistration;
        await storage(() => client.send(new DeleteCommand({ TableName: table, Key: registrationKey(registration.practiceId, registration.ref) })));
        await removeTrail(registration);
        removed += 1;
      }
      return removed;
    },
  };
}
