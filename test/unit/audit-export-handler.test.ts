import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { memoryScreeningLedger } from '../fakes/memory-stores.ts';
import { checkTokenDigest, tokensInBooking } from '#shared/audit/check-tokens.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditHandler } from '#functions/audit.ts';
import type { HttpEvent, HttpResult } from '#functions/http/group-handler.ts';
import { csvHeader, csvNewline } from '#shared/audit/export-format.ts';
import { manifestFromHeader, manifestLine, rangesDigest, type Manifest } from '#shared/audit/manifest.ts';
import { readVerificationKey } from '#shared/audit/statements.ts';
import { verifyExportFile } from '#shared/audit/verify.ts';
import { canonicalJson, sha256Hex } from '#shared/canonical.ts';
import { encodeCursor, pageBodyBudgetBytes } from '#shared/domain/audit.ts';
import { computeTokens, lookupTokens } from '#shared/identifiers/tokens.ts';
import type { AuditEvent } from '#shared/records.ts';
import { buildTestDeps, testSettings, type TestDeps } from '../fakes/deps.ts';
import { canaryNormalised, canarySubject } from '../fakes/fixtures.ts';
import { memoryAuditLog, type MemoryAuditLog } from '../fakes/memory-audit.ts';

/**
 * The audit group's handler as Lambda runs it, over in-memory deps: export pages with their
 * manifest, cursor and Link headers, the 400s, the auditing of the export itself, the
 * verification key and the subject-token lookup.
 */
const context = {} as Context;
const auditor = { authenticated: 'true', keyId: 'key_counsel', role: 'auditor' };

function event(routeKey: string, options: { query?: Record<string, string>; body?: unknown; lambda?: Record<string, string> } = {}): HttpEvent {
  const [method, path] = routeKey.split(' ') as [string, string];
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { authorization: 'Bearer x', ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
    queryStringParameters: options.query,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1', routeKey, http: { method, path }, authorizer: { lambda: options.lambda ?? auditor } },
  } as unknown as HttpEvent;
}

interface World {
  deps: TestDeps;
  log: MemoryAuditLog;
  handler: ReturnType<typeof createAuditHandler>;
}

function world(pageSize = 4): World {
  const log = memoryAuditLog();
  const deps = buildTestDeps({ audit: log, ledger: memoryScreeningLedger(log), settings: { ...testSettings, auditExportPageSize: pageSize } });
  return { deps, log, handler: createAuditHandler(deps) };
}

const approval = (i: number): AuditEvent => ({
  action: 'alert.approved',
  actor: { keyId: 'key_rev', role: 'reviewer', practiceId: 'prc_elm' },
  targets: { alertId: `alt_${i}` },
  outcome: 'pending_review',
});

/** Four entries a day from 2026-11-17 to 2026-11-20 (seq 1 to 16). */
async function seed(log: MemoryAuditLog) {
  for (let i = 0; i < 16; i += 1) await log.append([approval(i)], new Date(Date.UTC(2026, 10, 17 + Math.floor(i / 4), 8, i)));
}

const exportGet = (w: World, query: Record<string, string>, lambda?: Record<string, string>) =>
  w.handler(event('GET /v1/audit/export', { query, lambda }), context);
const problem = (result: HttpResult) => JSON.parse(result.body ?? '{}') as { status: number; errors?: { path: string; message: string }[] };

/** Follows the Link headers from the first page to the last. */
async function allPages(w: World, query: Record<string, string>): Promise<HttpResult[]> {
  const pages = [await exportGet(w, query)];
  for (;;) {
    const link = pages.at(-1)!.headers?.Link as string | undefined;
    if (!link) return pages;
    const url = new URL(/^<([^>]+)>; rel="next"$/.exec(link)![1]!, 'http://x');
    pages.push(await exportGet(w, Object.fromEntries(url.searchParams)));
  }
}

const manifestOf = (page: HttpResult): Manifest => {
  const parsed = manifestFromHeader(String(page.headers?.['X-Audit-Manifest']));
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.manifest;
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'peerguard-export-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('GET /v1/audit/export', () => {
  it('answers the range one page at a time, each page with the same signed manifest; the last jsonl page ends with it', async () => {
    const w = world(4);
    await seed(w.log);
    const pages = await allPages(w, { from: '2026-11-18', to: '2026-11-19', format: 'jsonl' });
    // Two pages of entries, then the checkpoint line and the manifest.
    expect(pages.map((page) => page.statusCode)).toEqual([200, 200, 200]);
    const manifest = manifestOf(pages[0]!);
    expect(manifest).toMatchObject({
      type: 'manifest',
      version: 2,
      format: 'jsonl',
      from: '2026-11-18',
      to: '2026-11-19',
      count: 8,
      chains: 1,
      firstSeq: null,
      exportedBy: 'key_counsel',
      algorithm: 'ECDSA_SHA_256',
    });
    // The one chain of seq 5..12, from the hash of entry 4 to the hash of entry 12, ending at the checkpoint the export made.
    expect(manifest.rangesSha256).toBe(
      rangesDigest([{ chain: 'main', firstSeq: 5, lastSeq: 12, firstPrevHash: w.log.entries[3]!.hash, headHash: w.log.entries[11]!.hash }]),
    );
    const checkpoint = w.deps.memory.checkpoints.checkpoints.at(-1)!;
    expect(manifest.checkpoints).toEqual({ first: 1, last: checkpoint.number, lastRootHash: checkpoint.rootHash });
    for (const page of pages) {
      expect(page.headers?.['Content-Type']).toBe('application/x-ndjson; charset=utf-8');
      expect(manifestOf(page)).toEqual(manifest);
      expect(page.headers?.['X-Audit-Signature']).toBe(manifest.signature);
    }
    const [first, second, last] = [pages[0]!, pages[1]!, pages[2]!];
    expect(
      first
        .body!.trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).seq),
    ).toEqual([5, 6, 7, 8]);
    expect(first.headers?.['X-Audit-Next-Cursor']).toBeTruthy();
    expect(first.headers?.Link).toContain(`cursor=${first.headers?.['X-Audit-Next-Cursor']}`);
    expect(
      second
        .body!.trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).seq),
    ).toEqual([9, 10, 11, 12]);
    expect(last.headers?.Link).toBeUndefined();
    expect(last.headers?.['X-Audit-Next-Cursor']).toBeUndefined();
    expect(last.body!.trimEnd().split('\n')).toEqual([canonicalJson(checkpoint), manifestLine(manifest)]);

    // The pages, put together, verify with the key the API publishes.
    const key = readVerificationKey((await w.handler(event('GET /v1/audit/verification-key'), context)).body!);
    const path = join(dir, 'paged.jsonl');
    writeFileSync(path, pages.map((page) => page.body).join(''));
    expect(await verifyExportFile(path, { key })).toMatchObject({ ok: true, entries: 8, signatureChecked: true });
  });

  it('audits the export once, when the first page is asked for, after the range it exports', async () => {
    const w = world(3);
    await seed(w.log);
    w.deps.clock.set('2026-11-21T10:00:00Z');
    const pages = await allPages(w, { from: '2026-11-17', to: '2026-11-21', format: 'csv' });
    expect(pages).toHaveLength(6);
    const manifest = manifestOf(pages[0]!);
    const exported = w.log.entries.filter((entry) => entry.action === 'audit.exported');
    expect(exported).toHaveLength(1);
    expect(exported[0]).toMatchObject({
      seq: 17,
      at: '2026-11-21T10:00:00Z',
      actor: { keyId: 'key_counsel', role: 'auditor' },
      targets: { exportId: manifest.exportId },
      outcome: 'success',
      detail: {
        from: '2026-11-17',
        to: '2026-11-21',
        format: 'csv',
        count: 16,
        chains: 1,
        checkpoint: manifest.checkpoints!.last,
        manifestSha256: sha256Hex(canonicalJson(manifest)),
      },
    });
    // The export's own entry is after the checkpoint its ranges end at.
    expect(w.deps.memory.checkpoints.checkpoints.at(-1)!.heads).toEqual([expect.objectContaining({ chain: 'main', seq: 16 })]);
  });

  it('sends csv pages that each start with the header row; the header-once concatenation verifies with the manifest file', async () => {
    const w = world(5);
    await seed(w.log);
    const pages = await allPages(w, { from: '2026-11-17', to: '2026-11-20', format: 'csv' });
    expect(pages).toHaveLength(4);
    for (const page of pages) {
      expect(page.headers?.['Content-Type']).toBe('text/csv; charset=utf-8');
      expect(page.body!.startsWith(csvHeader + csvNewline)).toBe(true);
    }
    const joined = pages.map((page, i) => (i === 0 ? page.body! : page.body!.slice(csvHeader.length + csvNewline.length))).join('');
    const manifest = manifestOf(pages[0]!);
    writeFileSync(join(dir, 'paged.csv'), joined);
    writeFileSync(join(dir, 'paged.csv.manifest.json'), manifestLine(manifest));
    const key = { publicKeyPem: await w.deps.signer.publicKeyPem(), keyId: w.deps.signer.keyId };
    const csvOptions = { key, manifestPath: join(dir, 'paged.csv.manifest.json') };
    // CSV has no room for checkpoints: without them the verifier refuses, with them (as GET /v1/audit/checkpoints answers) it verifies.
    expect((await verifyExportFile(join(dir, 'paged.csv'), csvOptions)).failure).toMatchObject({ code: 'checkpoints_missing' });
    const listed = await w.handler(
      event('GET /v1/audit/checkpoints', { query: { first: String(manifest.checkpoints!.first), last: String(manifest.checkpoints!.last) } }),
      context,
    );
    expect(listed.statusCode).toBe(200);
    writeFileSync(join(dir, 'paged.csv.checkpoints.json'), listed.body!);
    expect(await verifyExportFile(join(dir, 'paged.csv'), { ...csvOptions, checkpointsPath: join(dir, 'paged.csv.checkpoints.json') })).toMatchObject({
      ok: true,
      entries: 16,
      checkpoints: 1,
    });
  });

  it('answers an empty range with a manifest of count 0 (jsonl: the manifest line alone), and still audits it', async () => {
    const w = world();
    await seed(w.log);
    const page = await exportGet(w, { from: '2025-01-01', to: '2025-01-31' });
    expect(page.statusCode).toBe(200);
    const manifest = manifestOf(page);
    expect(manifest).toMatchObject({ format: 'jsonl', count: 0, chains: 0, firstSeq: null, lastSeq: null, headHash: null });
    // No entries: the checkpoint (which vouches that there are none in these dates) and the manifest line.
    expect(page.body).toBe(`${canonicalJson(w.deps.memory.checkpoints.checkpoints.at(-1))}\n${manifestLine(manifest)}\n`);
    expect(page.headers?.Link).toBeUndefined();
    expect(w.log.entries.at(-1)).toMatchObject({ action: 'audit.exported', detail: { count: 0, format: 'jsonl' } });
    expect(w.log.entries.at(-1)!.detail).not.toHaveProperty('firstSeq');
    const csv = await exportGet(w, { from: '2025-01-01', to: '2025-01-31', format: 'csv' });
    expect(csv.body).toBe(csvHeader + csvNewline);
  });

  it("stops a page before its escaped body would pass Lambda's answer limit, whatever the page size", async () => {
    const w = world(5_000);
    const bookings = Array.from({ length: 100 }, (_, b) => ({
      checkId: `chk_${String(b).padStart(26, '0')}`,
      tokenKinds: ['phone', 'email', 'name_dob', 'name'] as const,
      tokenDigests: Array.from({ length: 4 }, (_, t) => `${String(b).padStart(3, '0')}${t}`.padEnd(64, '0')),
      result: 'no_match' as const,
    }));
    const batch: AuditEvent = {
      action: 'check.performed',
      actor: { keyId: 'key_desk', role: 'practice', practiceId: 'prc_v' },
      targets: { checkId: 'chk_batch' },
      outcome: 'no_match',
      bookings: bookings.map((b) => ({ ...b, tokenKinds: [...b.tokenKinds] })),
    };
    for (let i = 0; i < 300; i += 1) await w.log.append([batch], new Date('2026-11-20T12:00:00Z'));
    const pages = await allPages(w, { from: '2026-11-20', to: '2026-11-20' });
    expect(pages.length).toBeGreaterThan(1);
    for (const page of pages) {
      expect(Buffer.byteLength(JSON.stringify(page.body))).toBeLessThanOrEqual(pageBodyBudgetBytes + 2_000);
    }
    const path = join(dir, 'budget.jsonl');
    writeFileSync(path, pages.map((page) => page.body).join(''));
    expect(await verifyExportFile(path, { key: { publicKeyPem: await w.deps.signer.publicKeyPem() } })).toMatchObject({ ok: true, entries: 300 });
  });

  it('answers bad queries with 400 and one error per bad parameter, auditing nothing', async () => {
    const w = world();
    await seed(w.log);
    const before = w.log.entries.length;
    const errorsOf = async (query: Record<string, string>) => {
      const result = await exportGet(w, query);
      expect(result.statusCode).toBe(400);
      expect(result.headers?.['Content-Type']).toContain('application/problem+json');
      return problem(result).errors;
    };
    expect(await errorsOf({})).toEqual([
      { path: 'from', message: 'is required' },
      { path: 'to', message: 'is required' },
    ]);
    expect(await errorsOf({ from: '2026-02-30', to: '2026-13-01', format: 'xml' })).toEqual([
      { path: 'from', message: 'must be a real date written YYYY-MM-DD' },
      { path: 'to', message: 'must be a real date written YYYY-MM-DD' },
      { path: 'format', message: 'must be jsonl or csv' },
    ]);
    expect(await errorsOf({ from: '2026-11-20', to: '2026-11-19' })).toEqual([{ path: 'to', message: 'must not be before from' }]);
    expect(await errorsOf({ from: '2026-01-01', to: '2027-01-02' })).toEqual([
      { path: 'to', message: 'must be at most 366 days from from (both included); export longer periods in parts' },
    ]);
    expect(await errorsOf({ from: '2026-01-01', to: '2026-01-02', page: '2' })).toEqual([
      { path: '(unrecognised field name)', message: 'is not a known field' },
    ]);
    expect(await errorsOf({ from: '2026-01-01', to: '2026-01-02', cursor: 'not-a-cursor' })).toEqual([
      { path: 'cursor', message: 'is not a cursor this API issued; start the export again without one' },
    ]);
    expect(w.log.entries).toHaveLength(before);
    expect((await exportGet(w, { from: '2026-01-01', to: '2027-01-01' })).statusCode).toBe(200);
  });

  it('refuses a cursor whose manifest was changed, that another key started, or that was for other dates', async () => {
    const w = world(4);
    await seed(w.log);
    const query = { from: '2026-11-17', to: '2026-11-20', format: 'jsonl' };
    const first = await exportGet(w, query);
    const cursor = String(first.headers?.['X-Audit-Next-Cursor']);
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { exportId: string; manifest: Manifest; next: number; chain: string };
    const entriesBefore = w.log.entries.length;
    const forged = encodeCursor({ ...decoded, manifest: { ...decoded.manifest, count: 12, chains: 1 } });
    const refused = async (q: Record<string, string>, lambda?: Record<string, string>) => {
      const result = await exportGet(w, q, lambda);
      expect(result.statusCode).toBe(400);
      return problem(result).errors;
    };
    expect(await refused({ ...query, cursor: forged })).toEqual([
      { path: 'cursor', message: 'is not a cursor this API issued; start the export again without one' },
    ]);
    expect(await refused({ ...query, cursor }, { ...auditor, keyId: 'key_other' })).toEqual([
      { path: 'cursor', message: 'belongs to an export another API key started' },
    ]);
    expect(await refused({ ...query, to: '2026-11-21', cursor })).toEqual([
      { path: 'cursor', message: 'belongs to an export of other dates or another format: send the from, to and format it came with' },
    ]);
    const outOfRange = encodeCursor({ ...decoded, next: 99 });
    expect(await refused({ ...query, cursor: outOfRange })).toEqual([
      { path: 'cursor', message: 'points outside the export it belongs to; start the export again without one' },
    ]);
    const otherChain = encodeCursor({ ...decoded, chain: 'c007' });
    expect(await refused({ ...query, cursor: otherChain })).toEqual([
      { path: 'cursor', message: 'points outside the export it belongs to; start the export again without one' },
    ]);
    expect((await exportGet(w, { ...query, cursor })).statusCode).toBe(200);
    expect(w.log.entries).toHaveLength(entriesBefore);
  });

  it('is for auditors only', async () => {
    const w = world();
    const result = await exportGet(
      w,
      { from: '2026-11-17', to: '2026-11-20' },
      { authenticated: 'true', keyId: 'key_desk', role: 'practice', practiceId: 'prc_x' },
    );
    expect(result.statusCode).toBe(403);
    expect(w.log.entries).toHaveLength(0);
  });
});

describe('GET /v1/audit/verification-key', () => {
  it('answers the signing key id, the algorithm and the public key', async () => {
    const w = world();
    const result = await w.handler(event('GET /v1/audit/verification-key'), context);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body!)).toEqual({ keyId: w.deps.signer.keyId, algorithm: 'ECDSA_SHA_256', publicKeyPem: await w.deps.signer.publicKeyPem() });
  });
});

describe('POST /v1/audit/subject-tokens', () => {
  it("answers the tokens a check computes for the subject, and audits the lookup with the tokens it returned (counsel's searches are visible)", async () => {
    const w = world();
    w.deps.clock.set('2026-11-21T11:00:00Z');
    const result = await w.handler(event('POST /v1/audit/subject-tokens', { body: { subject: canarySubject } }), context);
    expect(result.statusCode).toBe(200);
    const { tokens } = JSON.parse(result.body!) as { tokens: { kind: string; token: string }[] };
    // The exact recipes' tokens a check looks up (and its audit entry keeps), v1 forms included.
    const looked = await lookupTokens(w.deps.keyring, canarySubject, 'US');
    expect(tokens).toEqual(looked.filter(({ kind }) => ['phone', 'email', 'name_dob', 'name'].includes(kind)));
    expect(tokens.map((token) => token.kind)).toEqual(['phone', 'email', 'name', 'name_dob', 'name_dob', 'name']);
    expect(w.log.entries).toHaveLength(1);
    expect(w.log.entries[0]).toMatchObject({
      action: 'audit.subject_tokens',
      at: '2026-11-21T11:00:00Z',
      actor: { keyId: 'key_counsel', role: 'auditor' },
      outcome: 'success',
      detail: {
        tokenKinds: 'phone,email,name,name_dob,name_dob,name',
        count: 6,
        searched: tokens.map(({ kind, token }) => `${kind}:${token}`).join(','),
        dailyLimit: 20,
      },
    });
    expect(w.deps.sent).toEqual([
      { topic: 'security', type: 'audit.subject_tokens', keyId: 'key_counsel', lookupsToday: 1, limit: 20, at: '2026-11-21T11:00:00Z' },
    ]);
    const stored = JSON.stringify(w.log.entries) + JSON.stringify(w.deps.logLines);
    for (const { token } of tokens) expect(JSON.stringify(w.deps.logLines)).not.toContain(token);
    for (const value of [...Object.values(canarySubject), ...canaryNormalised]) expect(stored.toLowerCase()).not.toContain(value.toLowerCase());
  });

  it('is metered: the daily limit per key, then 429 with Retry-After to midnight UTC, refused lookups neither audited nor answered', async () => {
    const w = world();
    w.deps.clock.set('2026-11-21T23:00:00Z');
    const lookup = (phone: string, key = 'key_counsel') =>
      w.handler(event('POST /v1/audit/subject-tokens', { body: { subject: { phone } }, lambda: { ...auditor, keyId: key } }), context);
    for (let i = 0; i < 20; i += 1) expect((await lookup(`+1 860 555 ${String(1000 + i)}`)).statusCode).toBe(200);
    const refused = await lookup('+1 860 555 0199');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers?.['Retry-After']).toBe('3600');
    expect(refused.body).not.toMatch(/"token"/);
    expect(w.log.entries.filter((entry) => entry.action === 'audit.subject_tokens')).toHaveLength(20);
    expect(w.deps.sent.filter((sent) => sent.type === 'audit.subject_tokens').map((sent) => (sent as { lookupsToday: number }).lookupsToday)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    // Another key has its own budget; the next UTC day starts afresh.
    expect((await lookup('+1 860 555 0199', 'key_counsel2')).statusCode).toBe(200);
    w.deps.clock.set('2026-11-22T00:00:01Z');
    expect((await lookup('+1 860 555 0199')).statusCode).toBe(200);
  });

  it('answers a bad subject with 400 naming fields, never values, and audits nothing', async () => {
    const w = world();
    const result = await w.handler(
      event('POST /v1/audit/subject-tokens', { body: { subject: { phone: '12', fullName: canarySubject.fullName }, extra: canarySubject.email } }),
      context,
    );
    expect(result.statusCode).toBe(400);
    expect(problem(result).errors).toEqual([
      { path: 'subject.phone', message: expect.stringContaining('must be a valid phone number') },
      { path: '(unrecognised field name)', message: 'is not a known field' },
    ]);
    expect(result.body).not.toContain('Quixley');
    expect(result.body).not.toContain('Example.org');
    expect(w.log.entries).toHaveLength(0);
  });

  it("lets counsel find who checked a person: the phone token, written any way, is in that check's entry", async () => {
    const w = world();
    const [phone] = await computeTokens(w.deps.keyring, { phone: '860.555.0199' }, 'US');
    await w.log.append(
      [
        {
          action: 'check.performed',
          actor: { keyId: 'key_desk', role: 'practice', practiceId: 'prc_valley' },
          targets: { checkId: 'chk_1' },
          outcome: 'no_match',
          bookings: [{ checkId: 'chk_1', tokenKinds: ['phone'], tokenDigests: [checkTokenDigest('chk_1', phone!.token)], result: 'no_match' }],
        },
      ],
      new Date('2026-11-20T09:00:00Z'),
    );
    const lookup = await w.handler(event('POST /v1/audit/subject-tokens', { body: { subject: { phone: '+1 (860) 555-0199' } } }), context);
    const [token] = (JSON.parse(lookup.body!) as { tokens: { token: string }[] }).tokens;
    const checks = w.log.entries.filter((entry) => entry.bookings?.some((booking) => tokensInBooking(booking, [token!.token]).length > 0));
    expect(checks.map((entry) => entry.actor.practiceId)).toEqual(['prc_valley']);
  });
});
