/**
 * `npm run admin -- create-key --role admin [--label TEXT] [--practice-id ID] [--out FILE]`
 * `npm run admin -- recount-alerts`
 *
 * Creates an API key by writing straight to the tables with the caller's own credentials:
 * how a freshly deployed stack gets its first admin key (none is baked into the template).
 * - AWS: set API_KEYS_TABLE, MAIN_TABLE and AUDIT_TABLE to the stack outputs ApiKeysTableName,
 *   MainTableName and AuditTableName, and AWS_REGION / AWS credentials as for the AWS CLI.
 * The key's creation is an audit entry like any other (actor `system:admin-cli`), and its notice
 * to the security topic is queued in the notification outbox (the CLI has no SNS rights): the
 * next sweep delivers it, within 15 minutes in AWS.
 * - Local: set DYNAMODB_ENDPOINT to the DynamoDB Local that `npm start` printed.
 * The key is printed once; only its SHA-256 is stored. With `--out FILE` it is written to FILE
 * (owner-only) instead of the terminal, which then shows only its id.
 *
 * `recount-alerts` counts the stored alerts by status and sets the overview's counts to that, and
 * replays every alert's history into the statistics' alert events (submissions by category and
 * severity, publications, rejections, disputes and outcomes, review times): once, on a network
 * that had alerts before the counters existed (run it when no alert is moving). Daily figures
 * (checks, notices) start from the day the counters were deployed.
 */
import { writeFileSync } from 'node:fs';
import { buildLoggedMetrics } from '#shared/adapters/local/logged-metrics.ts';
import { parseArgs } from 'node:util';
import { buildDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { buildApiKeyStore, buildPracticeStore } from '#shared/adapters/dynamo/simple-stores.ts';
import { buildAuditLog } from '#shared/adapters/dynamo/audit-log.ts';
import { buildAlertStore } from '#shared/adapters/dynamo/alert-store.ts';
import { replaceAlertTallies } from '#shared/adapters/dynamo/network-figures.ts';
import { alertHistoryMoves } from '#shared/stats/counters.ts';
import { alertStatuses, type AlertStatus } from '#shared/records.ts';
import { systemActor } from '#shared/audit/events.ts';
import { createApiKey } from '#shared/domain/api-keys.ts';
import { buildNotificationOutbox } from '#shared/adapters/dynamo/outbox.ts';
import { isoInstant } from '#shared/dates.ts';
import { newId } from '#shared/ids.ts';
import type { Logger, Notifier } from '#shared/ports.ts';
import { createKeySchema, parseInput } from '#shared/schemas.ts';
import { ValidationError } from '#shared/errors.ts';

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { role: { type: 'string' }, label: { type: 'string' }, 'practice-id': { type: 'string' }, out: { type: 'string' } },
  });
  const apiKeysTable = process.env.API_KEYS_TABLE ?? 'peerguard-api-keys';
  const mainTable = process.env.MAIN_TABLE ?? 'peerguard-main';
  const auditTable = process.env.AUDIT_TABLE ?? 'peerguard-audit';
  const client = buildDocumentClient({ endpoint: process.env.DYNAMODB_ENDPOINT });
  if (positionals[0] === 'recount-alerts') {
    const alerts = buildAlertStore(client, { main: mainTable, tokens: process.env.TOKEN_TABLE ?? 'peerguard-token-index' }, buildAuditLog(client, auditTable));
    const counts = Object.fromEntries(alertStatuses.map((status) => [status, 0])) as Record<AlertStatus, number>;
    const ids = (await alerts.summaries({})).map(({ alertId }) => alertId);
    const moves = [];
    for (let i = 0; i < ids.length; i += 100) {
      for (const alert of await alerts.getMany(ids.slice(i, i + 100))) {
        counts[alert.status] += 1;
        moves.push(...alertHistoryMoves(alert));
      }
    }
    await replaceAlertTallies(client, mainTable, moves);
    process.stdout.write(`${JSON.stringify(counts)}\n`);
    return;
  }
  if (positionals[0] !== 'create-key')
    throw new Error(
      'usage: npm run admin -- create-key --role admin|reviewer|practice|auditor [--label TEXT] [--practice-id ID] [--out FILE] | recount-alerts',
    );
  const input = parseInput(createKeySchema, {
    role: values.role,
    label: values.label ?? `created by npm run admin on ${new Date().toISOString().slice(0, 10)}`,
    practiceId: values['practice-id'],
  });
  const audit = buildAuditLog(client, auditTable);
  const outbox = buildNotificationOutbox(client, mainTable);
  // Straight into the outbox, where the sweep picks it up and sends it to the security topic.
  const queued: Notifier = {
    publish: (notification) => outbox.record({ failureId: newId('ntf'), failedAt: isoInstant(new Date()), attempts: 0, notification }),
  };
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (message) => process.stderr.write(`admin: ${message}\n`),
    error: (message) => process.stderr.write(`admin: ${message}\n`),
  };
  const created = await createApiKey(
    {
      apiKeys: buildApiKeyStore(client, apiKeysTable, audit),
      practices: buildPracticeStore(client, mainTable, audit),
      clock: () => new Date(),
      notifier: queued,
      outbox,
      logger,
      metrics: buildLoggedMetrics(logger),
    },
    systemActor('admin-cli'),
    input,
  );
  if (values.out) {
    writeFileSync(values.out, `${created.apiKey}\n`, { mode: 0o600 });
    process.stdout.write(`${JSON.stringify({ keyId: created.keyId, role: created.role, practiceId: created.practiceId, apiKeyFile: values.out })}\n`);
  } else {
    process.stdout.write(`${JSON.stringify({ keyId: created.keyId, role: created.role, practiceId: created.practiceId, apiKey: created.apiKey })}\n`);
  }
}

main().catch((error: unknown) => {
  const detail = error instanceof ValidationError ? error.errors?.map((e) => `${e.path} ${e.message}`).join('; ') : (error as Error).message;
  process.stderr.write(`admin: ${detail}\n`);
  process.exit(1);
});
