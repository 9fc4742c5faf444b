import type { TokenKind } from '#shared/identifiers/token-kinds.ts';
import { randomBytes } from 'node:crypto';
import { checkTokenDigest } from '#shared/audit/check-tokens.ts';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditItem, buildAuditLog } from '#shared/adapters/dynamo/audit-log.ts';
import { buildDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { csvHeader } from '#shared/audit/export-format.ts';
import { readVerificationKey } from '#shared/audit/statements.ts';
import { verifyExportFile } from '#shared/audit/verify.ts';
import { sha256Hex } from '#shared/canonical.ts';
import { addDays, isoDate } from '#shared/dates.ts';
import type { Deps } from '#shared/deps.ts';
import { newId } from '#shared/ids.ts';
import { computeTokens } from '#shared/identifiers/tokens.ts';
import type { AuditEntry, AuditEvent } from '#shared/records.ts';
import { chainEntries } from '#shared/audit/chain.ts';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { buildDeps } from '#shared/runtime.ts';
import { settingsFrom } from '#shared/runtime-common.ts';
import { createLocalServer } from '../../infra/local/server.ts';
import { downloadExport, ExportFailed } from '../../cli/export-download.ts';
import { runVerifyExport } from '../../cli/commands/verify-export.ts';
import { documentedFetch } from '../support/openapi-check.ts';
import { apiClient, type Call } from '../support/api-client.ts';
import { freshLocalConfig } from '../support/tables.ts';
import { canaryNormalised, canarySubject } from '../fakes/fixtures.ts';

/**
 * The whole export path on DynamoDB Local: the local server (same handlers as Lambda), the
 * audit-export CLI following the pages into one file, and the offline verifier; plus
 * counsel's "was this person checked" query end to end.
 */
let dataDir: string;
let deps: Deps;
let server: Server;
let baseUrl: string;
let call: Call;
let auditorKey: string;
let keyFile: string;
const today = new Date();
const from = isoDate(addDays(today, -6));
const to = isoDate(today);

async function createAuditorKey(): Promise<string> {
  const keyId = newId('key');
  const apiKey = `pg.${keyId}.${randomBytes(32).toString('base64url')}`;
  await deps.apiKeys.create(
    { keyId, secretSha256: sha256Hex(apiKey), role: 'auditor', label: 'counsel', createdAt: new Date().toISOString() },
    { events: [], now: new Date() },
  );
  return apiKey;
}

const check = (practiceId: string, tokens: { kind: TokenKind; token: string }[], result: 'match' | 'no_match'): AuditEvent => {
  const checkId = newId('chk');
  return {
    action: 'check.performed',
    actor: { keyId: 'key_valleydesk00000000000000', role: 'practice', practiceId },
    targets: { checkId },
    outcome: result,
    bookings: [{ checkId, tokenKinds: tokens.map((t) => t.kind), tokenDigests: tokens.map((t) => checkTokenDigest(checkId, t.token)), result }],
  };
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'peerguard-audit-export-'));
  const config = await freshLocalConfig(dataDir, { AUDIT_TABLE: `a${randomBytes(4).toString('hex')}-audit` });
  const audit = buildAuditLog(buildDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT }), config.AUDIT_TABLE);
  deps = buildDeps(config, { audit, settings: { ...settingsFrom(config), auditExportPageSize: 10 } });
  server = createLocalServer(deps, () => undefined);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  call = apiClient(baseUrl);
  auditorKey = await createAuditorKey();

  // 30 entries over the last six days, one of them a check of the canary subject (by phone and
  // e-mail), one with strings a spreadsheet would run, and one from before the range. The first
  // eleven are written as the one-chain log of before wrote them (partition `main`, no chain
  // name in the entry): the migration. The rest go to the chain this process appends to.
  const documents = buildDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT });
  let legacyHead: AuditEntry | undefined;
  const appendLegacy = async (event: AuditEvent, when: Date) => {
    [legacyHead] = chainEntries(legacyHead, [event], when);
    await documents.send(new PutCommand({ TableName: config.AUDIT_TABLE, Item: auditItem(legacyHead!) }));
  };
  await appendLegacy(
    { action: 'practice.created', actor: { keyId: 'key_admin', role: 'admin' }, targets: { practiceId: 'prc_old' }, outcome: 'success' },
    addDays(today, -30),
  );
  const subjectTokens = await computeTokens(deps.keyring, { phone: '860-555-0199', email: canarySubject.email }, 'US');
  for (let i = 0; i < 30; i += 1) {
    const when = new Date(addDays(today, -6).getTime() + i * 3 * 3_600_000);
    const event: AuditEvent =
      i === 7
        ? check('prc_valley', subjectTokens, 'no_match')
        : i === 11
          ? {
              action: 'clause.published',
              actor: { keyId: 'key_admin', role: 'admin' },
              targets: { clauseId: '=cmd|"/C calc"!A0', clauseVersion: 2 },
              outcome: '+1,"\r\n🚨 \u200f=SUM(1)',
            }
          : check(`prc_${i}`, [{ kind: 'phone', token: randomBytes(32).toString('base64url') }], 'no_match');
    if (i < 10) await appendLegacy(event, when);
    else await deps.audit.append([event], when > today ? today : when);
  }
  keyFile = join(dataDir, 'verification-key.json');
  const key = await call('GET', '/v1/audit/verification-key', { key: auditorKey });
  expect(key.status).toBe(200);
  writeFileSync(keyFile, key.text);
});

afterAll(async () => {
  await new Promise((done) => server?.close(done));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the audit export over HTTP', () => {
  it('downloads every page into one jsonl file that verifies, and records the export in the chain', async () => {
    const out = join(dataDir, 'export.jsonl');
    const headBefore = (await deps.audit.head())!;
    const result = await downloadExport({ fetch: documentedFetch(), url: baseUrl, apiKey: auditorKey, from, to, format: 'jsonl', out });
    // Two chains: the legacy one (seq 2 to 11 in the dates) and this process's (seq 1 to 20).
    expect(result.manifest).toMatchObject({ version: 2, count: 30, chains: 2, from, to });
    const checkpoint = (await deps.checkpoints.latest())!;
    expect(result.manifest.checkpoints).toMatchObject({ last: checkpoint.number, lastRootHash: checkpoint.rootHash });
    expect(checkpoint.heads).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ chain: 'main', seq: 11 }),
        { chain: headBefore.chain, seq: headBefore.seq, hash: headBefore.hash, at: headBefore.at },
      ]),
    );
    expect(result.pages).toBe(4);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    const checkpoints = result.manifest.checkpoints!.last - result.manifest.checkpoints!.first + 1;
    expect(lines).toHaveLength(30 + checkpoints + 1);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ type: 'manifest', exportId: result.manifest.exportId });

    const verdict = await verifyExportFile(out, { key: readVerificationKey(readFileSync(keyFile, 'utf8')) });
    expect(verdict).toMatchObject({ ok: true, signatureChecked: true, entries: 30 });

    const head = (await deps.audit.head())!;
    expect(head).toMatchObject({
      seq: headBefore.seq + 1,
      action: 'audit.exported',
      actor: { role: 'auditor' },
      targets: { exportId: result.manifest.exportId },
    });
    expect(head.detail).toMatchObject({ from, to, format: 'jsonl', count: 30, chains: 2, checkpoint: checkpoint.number });
  });

  it('downloads a csv export as one file with one header row, its manifest beside it, and both verify', async () => {
    const out = join(dataDir, 'export.csv');
    const result = await downloadExport({ fetch: documentedFetch(), url: baseUrl, apiKey: auditorKey, from, to, format: 'csv', out });
    expect(result.manifestPath).toBe(`${out}.manifest.json`);
    const text = readFileSync(out, 'utf8');
    expect(text.startsWith(`${csvHeader}\r\n`)).toBe(true);
    expect(text.split(csvHeader)).toHaveLength(2);
    expect(text).toContain(`"'+1,""\r\n🚨 \u200f=SUM(1)"`);
    const printed: string[] = [];
    // CSV has no room for checkpoints: the CLI fetched them through the API and wrote them beside the file.
    expect(result.checkpointsPath).toBe(`${out}.checkpoints.jsonl`);
    expect(await runVerifyExport([out, '--key', keyFile, '--manifest', result.manifestPath!], (line) => printed.push(line))).toBe(1);
    expect(printed.at(-1)).toMatch(/checkpoints_missing|carries no checkpoints/);
    expect(
      await runVerifyExport([out, '--key', keyFile, '--manifest', result.manifestPath!, '--checkpoints', result.checkpointsPath!], (line) =>
        printed.push(line),
      ),
    ).toBe(0);
    // 31 entries: the jsonl export's own entry is in these dates too.
    expect(printed.at(-1)).toMatch(/^VERIFIED: .* 31 entries in 2 chains/);
  });

  it('answers counsel: the tokens of a person, then the checks that carried them, and by whom', async () => {
    const lookup = await call('POST', '/v1/audit/subject-tokens', {
      key: auditorKey,
      body: { subject: { phone: '+1 (860) 555-0199', email: canarySubject.email } },
    });
    expect(lookup.status).toBe(200);
    const tokens = (lookup.body as { tokens: { kind: string; token: string }[] }).tokens;
    expect(tokens.map((token) => token.kind)).toEqual(['phone', 'email']);

    const out = join(dataDir, 'counsel.jsonl');
    await downloadExport({ fetch: documentedFetch(), url: baseUrl, apiKey: auditorKey, from, to, format: 'jsonl', out });
    const printed: string[] = [];
    const args = [out, '--key', keyFile, ...tokens.flatMap(({ token }) => ['--find-token', token])];
    expect(await runVerifyExport(args, (line) => printed.push(line))).toBe(0);
    expect(
      printed.filter((line) => line.includes('check.performed') && line.includes('of practice prc_valley; booking checked [phone, email] → no_match')),
    ).toHaveLength(2);
    // The lookup itself is in the export, with the kinds only.
    const file = readFileSync(out, 'utf8');
    expect(file).toContain('"action":"audit.subject_tokens"');
    expect(file).toContain('"tokenKinds":"phone,email"');
    for (const value of [...Object.values(canarySubject), ...canaryNormalised, '555-0199', '5550199'])
      expect(file.toLowerCase()).not.toContain(value.toLowerCase());
  });

  it('answers a bad range with a 400 problem, which the CLI reports without writing a file', async () => {
    const answer = await call('GET', `/v1/audit/export?from=${to}&to=${from}&format=jsonl`, { key: auditorKey });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.body.errors).toEqual([{ path: 'to', message: 'must not be before from' }]);
    const out = join(dataDir, 'bad.jsonl');
    await expect(downloadExport({ fetch: documentedFetch(), url: baseUrl, apiKey: auditorKey, from: to, to: from, format: 'jsonl', out })).rejects.toThrow(
      ExportFailed,
    );
    await expect(downloadExport({ fetch: documentedFetch(), url: baseUrl, apiKey: auditorKey, from: to, to: from, format: 'jsonl', out })).rejects.toThrow(
      /page 1: HTTP 400 .*\n {2}to: must not be before from/,
    );
    expect(() => readFileSync(out)).toThrow();
    expect(() => readFileSync(`${out}.partial`)).toThrow();
  });

  it('is closed to other keys', async () => {
    const answer = await call('GET', `/v1/audit/export?from=${from}&to=${to}`, {
      key: 'pg.key_00000000000000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    });
    expect(answer.status).toBe(401);
  });
});
