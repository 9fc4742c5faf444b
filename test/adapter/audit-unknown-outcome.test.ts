import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { buildAuditLog } from '#shared/adapters/dynamo/audit-log.ts';
import { buildDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { auditTable, mainTable } from '#shared/adapters/dynamo/tables.ts';
import { DependencyUnavailableError } from '#shared/errors.ts';
import type { AuditEvent } from '#shared/records.ts';
import { ensureTables } from '../../infra/local/dynamo-local.ts';
import { intactChain } from '../support/audit-chain.ts';
import { flakyProxy, type FlakyProxy } from '../support/flaky-proxy.ts';

/**
 * Appends whose outcome the writer cannot know: the write reached DynamoDB (Local) but the
 * connection dropped before the answer came back. The SDK retries the same request, and the
 * writer may even give up with a 503. Either way the chain must hold each event exactly once,
 * and the next append must build on what is really stored (never on a head this process only
 * believes it wrote): no duplicate, no gap, no fork.
 */
let proxy: FlakyProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

async function flakyLog() {
  const endpoint = inject('dynamoEndpoint');
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const tables = { audit: `${prefix}-audit`, main: `${prefix}-main` };
  await ensureTables(endpoint, [
    { definition: auditTable, name: tables.audit },
    { definition: mainTable, name: tables.main },
  ]);
  proxy = await flakyProxy(endpoint);
  // One chain, so the flaky writer and the direct reader meet on the same head.
  const log = buildAuditLog(buildDocumentClient({ endpoint: proxy.endpoint }), tables.audit, { chains: 1 });
  return { log, proxy, tables, direct: buildAuditLog(buildDocumentClient({ endpoint }), tables.audit, { chains: 1 }) };
}

const event = (n: number): AuditEvent => ({
  action: 'practice.created',
  actor: { keyId: 'key_admin', role: 'admin' },
  targets: { practiceId: `prc_${n}` },
  outcome: 'success',
});
const now = () => new Date();

describe('an audit append whose answer was lost', () => {
  it('a lone append (a conditional Put) retried by the SDK is recorded once, not twice', async () => {
    const { log, proxy, direct } = await flakyLog();
    await log.append([event(1)], now());
    proxy.loseNextAnswerTo('PutItem');
    await log.append([event(2)], now());
    await log.append([event(3)], now());
    expect(proxy.lost).toBe(1);
    const entries = await intactChain(direct);
    expect(entries.map((entry) => entry.targets.practiceId)).toEqual(['prc_1', 'prc_2', 'prc_3']);
  });

  it("an append with the action's own items (a transaction) retried by the SDK is recorded once, and the action happened once", async () => {
    const { log, proxy, tables, direct } = await flakyLog();
    proxy.loseNextAnswerTo('TransactWriteItems');
    const put = { Put: { TableName: tables.main, Item: { pk: 'PRACTICE#prc_1', sk: 'PRACTICE' }, ConditionExpression: 'attribute_not_exists(pk)' } };
    await log.transact([put], { events: [event(1)], now: now() });
    await log.append([event(2)], now());
    expect(proxy.lost).toBe(1);
    expect((await intactChain(direct)).map((entry) => entry.targets.practiceId)).toEqual(['prc_1', 'prc_2']);
  });

  it('a writer that gave up (503) after its write landed builds the next entry on the stored one: no fork, no gap', async () => {
    const { log, proxy, direct } = await flakyLog();
    await log.append([event(1)], now());
    proxy.loseNextAnswerTo('PutItem');
    proxy.refuse(true);
    const error = await log.append([event(2)], now()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ kind: 'dependency_unavailable', retryAfterSeconds: 2 });
    proxy.refuse(false);
    await log.append([event(3)], now());
    const entries = await intactChain(direct);
    // The outcome was unknown to the caller (it got a 503), but the entry is there, and the next one follows it.
    expect(entries.map((entry) => entry.targets.practiceId)).toEqual(['prc_1', 'prc_2', 'prc_3']);
  });
});
