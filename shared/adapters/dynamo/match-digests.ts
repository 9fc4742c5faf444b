import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MatchDigestStore } from '../../ports.ts';
import type { MatchDigestOptIn } from '../../records.ts';
import type { AuditLog } from './audit-log.ts';
import { isConditionalCheckFailure, storage } from './errors.ts';
import { queryPages } from './query-pages.ts';
import { attr, indexNames } from './tables.ts';

/**
 * One item per alert whose reporter opted in to the daily match digest, in the main table:
 * `pk = DIGEST#<alertId>`, `sk = OPTIN`, holding the opt-in, the counts per UTC day (`counts`, a
 * map day → number) and the days whose digest was made (`sent`). Matches are counted with ONE
 * conditional update on that item (the condition is the opt-in), so an alert nobody asked about
 * is never counted. Enabled opt-ins are listed by the gsi1 index (`gsi1pk = MATCH_DIGEST`): the
 * daily job reads that partition, never the table.
 *
 * A process sends that update only for alerts on its list of opted-in alerts (that partition's
 * ids, read at most once a minute, and again at once after an opt-in it made itself), so a match
 * of an alert nobody opted in for costs no write at all. An alert opted in by another process
 * starts being counted here within a minute; one opted out is never counted, the update's
 * condition being what decides.
 */
const digestKey = (alertId: string) => ({ [attr.pk]: `DIGEST#${alertId}`, [attr.sk]: 'OPTIN' });
const optedInPk = 'MATCH_DIGEST';
/** How long a process counts by the list of opted-in alerts it read before reading it again. */
const listTrustedForMs = 60_000;

export function buildMatchDigestStore(client: DynamoDBDocumentClient, table: string, audit: AuditLog): MatchDigestStore {
  const optedInQuery = {
    TableName: table,
    IndexName: indexNames.pendingReview,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': attr.gsi1pk },
    ExpressionAttributeValues: { ':pk': optedInPk },
  };
  let list: { readonly ids: Promise<ReadonlySet<string>>; readonly at: number } | undefined;
  const optedInIds = (): Promise<ReadonlySet<string>> => {
    if (list && Date.now() - list.at < listTrustedForMs) return list.ids;
    const ids = (async () => {
      const found = new Set<string>();
      for await (const item of queryPages(client, {
        ...optedInQuery,
        ProjectionExpression: '#alertId',
        ExpressionAttributeNames: { ...optedInQuery.ExpressionAttributeNames, '#alertId': 'alertId' },
      }))
        found.add(item.alertId as string);
      return found;
    })();
    list = { ids, at: Date.now() };
    // A failed read is not trusted for a minute: the next count reads again.
    ids.catch(() => {
      list = undefined;
    });
    return ids;
  };

  return {
    setOptIn: async (optIn, batch) => {
      const set =
        'SET #alertId = :alertId, #owner = :owner, #enabled = :enabled, #changedAt = :changedAt, #counts = if_not_exists(#counts, :empty), #sent = if_not_exists(#sent, :empty)';
      await audit.transact(
        [
          {
            Update: {
              TableName: table,
              Key: digestKey(optIn.alertId),
              // Enabled opt-ins are listed in the gsi1 partition the daily job reads; a disabled one leaves it.
              UpdateExpression: optIn.enabled ? `${set}, #g1pk = :listed, #g1sk = :alertId` : `${set} REMOVE #g1pk, #g1sk`,
              ExpressionAttributeNames: {
                '#alertId': 'alertId',
                '#owner': 'owner',
                '#enabled': 'enabled',
                '#changedAt': 'changedAt',
                '#counts': 'counts',
                '#sent': 'sent',
                '#g1pk': attr.gsi1pk,
                '#g1sk': attr.gsi1sk,
              },
              ExpressionAttributeValues: {
                ':alertId': optIn.alertId,
                ':owner': optIn.practiceId,
                ':enabled': optIn.enabled,
                ':changedAt': optIn.changedAt,
                ':empty': {},
                ...(optIn.enabled ? { ':listed': optedInPk } : {}),
              },
            },
          },
        ],
        batch,
      );
      list = undefined;
    },
    getOptIn: (alertId) =>
      storage(async () => {
        const { Item } = await client.send(new GetCommand({ TableName: table, Key: digestKey(alertId), ConsistentRead: true }));
        return Item ? toOptIn(Item) : undefined;
      }),
    optedIn: async () => {
      const out: MatchDigestOptIn[] = [];
      for await (const item of queryPages(client, optedInQuery)) out.push(toOptIn(item));
      return out;
    },
    count: async (alertIds, day) => {
      const listed = await optedInIds();
      const per = new Map<string, number>();
      for (const alertId of alertIds) if (listed.has(alertId)) per.set(alertId, (per.get(alertId) ?? 0) + 1);
      await Promise.all(
        [...per].map(async ([alertId, n]) => {
          try {
            await storage(() =>
              client.send(
                new UpdateCommand({
                  TableName: table,
                  Key: digestKey(alertId),
                  UpdateExpression: 'ADD #counts.#day :n',
                  ConditionExpression: '#enabled = :true',
                  ExpressionAttributeNames: { '#counts': 'counts', '#day': day, '#enabled': 'enabled' },
                  ExpressionAttributeValues: { ':n': n, ':true': true },
                }),
              ),
            );
          } catch (error) {
            if (!isConditionalCheckFailure(error)) throw error; // not opted in: nothing is counted
          }
        }),
      );
    },
    counts: async (alertId, days) => {
      const { Item } = await storage(() => client.send(new GetCommand({ TableName: table, Key: digestKey(alertId), ConsistentRead: true })));
      const counts = (Item?.counts ?? {}) as Record<string, number>;
      return days.map((day) => ({ day, matches: Number(counts[day] ?? 0) }));
    },
    claimDigest: async (alertId, day) => {
      try {
        await storage(() =>
          client.send(
            new UpdateCommand({
              TableName: table,
              Key: digestKey(alertId),
              UpdateExpression: 'SET #sent.#day = :true',
              ConditionExpression: 'attribute_exists(#sent) AND attribute_not_exists(#sent.#day)',
              ExpressionAttributeNames: { '#sent': 'sent', '#day': day },
              ExpressionAttributeValues: { ':true': true },
            }),
          ),
        );
        return true;
      } catch (error) {
        if (isConditionalCheckFailure(error)) return false;
        throw error;
      }
    },
  };
}

function toOptIn(item: Record<string, unknown>): MatchDigestOptIn {
  return { alertId: item.alertId as string, practiceId: item.owner as string, enabled: item.enabled === true, changedAt: item.changedAt as string };
}
