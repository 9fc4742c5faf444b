/**
 * `npm run admin -- create-key --role admin [--label TEXT] [--practice-id ID] [--out FILE]`
 *
 * Creates an API key by writing straight to the tables with the caller's own credentials:
 * how a freshly deployed stack gets its first admin key (none is baked into the template).
 * - AWS: set API_KEYS_TABLE, MAIN_TABLE and AUDIT_TABLE to the stack outputs ApiKeysTableName,
 *   MainTableName and AuditTableName, and AWS_REGION / AWS credentials as for the AWS CLI.
 * The key's creation is an audit entry like any other (actor `system:admin-cli`).
 * - Local: set DYNAMODB_ENDPOINT to the DynamoDB Local that `npm start` printed.
 * The key is printed once; only its SHA-256 is stored. With `--out FILE` it is written to FILE
 * (owner-only) instead of the terminal, which then shows only its id.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { buildApiKeyStore, buildPracticeStore } from '#shared/adapters/dynamo/simple-stores.ts';
import { buildAuditLog } from '#shared/adapters/dynamo/audit-log.ts';
import { systemActor } from '#shared/audit/events.ts';
import { createApiKey } from '#shared/domain/api-keys.ts';
import { createKeySchema, parseInput } from '#shared/schemas.ts';
import { ValidationError } from '#shared/errors.ts';

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { role: { type: 'string' }, label: { type: 'string' }, 'practice-id': { type: 'string' }, out: { type: 'string' } },
  });
  if (positionals[0] !== 'create-key') throw new Error('usage: npm run admin -- create-key --role admin|reviewer|practice|auditor [--label TEXT] [--practice-id ID] [--out FILE]');
  const apiKeysTable = process.env.API_KEYS_TABLE ?? 'peerguard-api-keys';
  const mainTable = process.env.MAIN_TABLE ?? 'peerguard-main';
  const auditTable = process.env.AUDIT_TABLE ?? 'peerguard-audit';
  const client = buildDocumentClient({ endpoint: process.env.DYNAMODB_ENDPOINT });
  const input = parseInput(createKeySchema, { role: values.role, label: values.label ?? `created by npm run admin on ${new Date().toISOString().slice(0, 10)}`, practiceId: values['practice-id'] });
  const audit = buildAuditLog(client, auditTable);
  const created = await createApiKey(
    { apiKeys: buildApiKeyStore(client, apiKeysTable, audit), practices: buildPracticeStore(client, mainTable, audit), clock: () => new Date() },
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
