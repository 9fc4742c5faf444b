import * as z from 'zod';
import type { Deps } from '../deps.ts';
import { canonicalJson, sha256Hex } from '../canonical.ts';
import { addDays, isoInstant } from '../dates.ts';
import { newId } from '../ids.ts';
import { lookupTokens } from '../identifiers/tokens.ts';
import type { SubjectIdentifiers } from '../identifiers/recipes.ts';
import { auditedKinds } from '../identifiers/token-kinds.ts';
import { auditActor } from '../audit/events.ts';
import { csvHeader, csvNewline, toCsvRow, toJsonLine } from '../audit/export-format.ts';
import { manifestLine, manifestSchema, manifestStatement, signManifest, type ExportFormat, type Manifest } from '../audit/manifest.ts';
import { checkSignature, type NetworkKey } from '../audit/statements.ts';
import { typesOfPurpose } from '../audit/statement-types.ts';
import { TooManyRequestsError, ValidationError } from '../errors.ts';
import { notifySafely } from './notify.ts';
import type { AuditEvent, Principal, SubjectToken } from '../records.ts';

/**
 * Counsel's side of the audit log: the paged, signed export, the verification key, and the
 * tokens of a subject (to search an export for "was this person checked, and by whom").
 *
 * An export is answered one page at a time, because a Lambda answer is capped at 6 MB and
 * 30 seconds. The first request fixes the range (the first and last entry of the dates),
 * signs the manifest of the whole range and records the export in the audit log; every
 * following request carries a cursor holding that manifest and the next sequence number, so
 * it neither signs nor audits again. See docs/audit.md.
 */
export interface ExportRequest {
  readonly from: string;
  readonly to: string;
  readonly format: ExportFormat;
  readonly cursor?: ExportCursor | undefined;
}

export interface ExportCursor {
  readonly exportId: string;
  readonly manifest: Manifest;
  /** The first sequence number of the page this cursor asks for. */
  readonly next: number;
}

export interface ExportPage {
  readonly manifest: Manifest;
  readonly body: string;
  readonly entries: number;
  /** Present while entries remain. */
  readonly next?: ExportCursor | undefined;
}

/**
 * Lambda counts its 6 MB answer limit on the JSON it returns, where the body is a JSON string:
 * every quote and backslash in it is escaped. A page stops before its escaped body would pass
 * this many bytes, whatever the page size, leaving room for the headers.
 */
export const pageBodyBudgetBytes = 5_000_000;

export async function exportAuditPage(deps: Deps, auditor: Principal, request: ExportRequest): Promise<ExportPage> {
  let cursor: ExportCursor;
  if (request.cursor) {
    await assertCursorIsOurs(deps, auditor, request, request.cursor);
    cursor = request.cursor;
  } else {
    cursor = await startExport(deps, auditor, request);
  }
  const { manifest } = cursor;
  const csv = request.format === 'csv';
  const newline = csv ? csvNewline : '\n';
  const lines: string[] = csv ? [csvHeader] : [];
  const header = lines.length;
  let next: ExportCursor | undefined;
  if (manifest.count > 0) {
    const lastSeq = manifest.lastSeq!;
    const pageSize = deps.settings.auditExportPageSize;
    let reached = Math.min(lastSeq, cursor.next + pageSize - 1);
    let bytes = 0;
    for await (const entry of deps.audit.read(cursor.next, reached, pageSize)) {
      const line = csv ? toCsvRow(entry) : toJsonLine(entry);
      // What the line costs inside Lambda's JSON answer: escaped, with its line break.
      const cost = Buffer.byteLength(JSON.stringify(line + newline), 'utf8') - 2;
      if (bytes + cost > pageBodyBudgetBytes && lines.length > header) {
        reached = entry.seq - 1;
        break;
      }
      lines.push(line);
      bytes += cost;
    }
    if (reached < lastSeq) next = { exportId: manifest.exportId, manifest, next: reached + 1 };
  }
  const entries = lines.length - header;
  if (!next && !csv) lines.push(manifestLine(manifest));
  return { manifest, body: lines.map((line) => line + newline).join(''), entries, next };
}

/** The first request: fix the range, sign its manifest, and record the export itself. */
async function startExport(deps: Deps, auditor: Principal, request: ExportRequest): Promise<ExportCursor> {
  const now = deps.clock();
  const range = await deps.audit.bounds(`${request.from}T00:00:00Z`, isoInstant(addDays(new Date(`${request.to}T00:00:00Z`), 1)));
  // Export ids have the shape of the API's other ids (shared/ids.ts has no `exp` kind yet).
  const exportId = newId('exp', now);
  const manifest = await signManifest(
    deps.signer,
    { exportId, exportedBy: auditor.keyId, format: request.format, from: request.from, to: request.to, generatedAt: isoInstant(now) },
    range,
  );
  const detail = {
    from: request.from,
    to: request.to,
    format: request.format,
    count: manifest.count,
    ...(manifest.firstSeq === null || manifest.lastSeq === null ? {} : { firstSeq: manifest.firstSeq, lastSeq: manifest.lastSeq }),
    manifestSha256: sha256Hex(canonicalJson(manifest)),
  };
  await deps.audit.append([{ action: 'audit.exported', actor: auditActor(auditor), targets: { exportId }, outcome: 'success', detail }], now);
  return { exportId, manifest, next: manifest.firstSeq ?? 1 };
}

/**
 * A cursor is only a convenience: it is not secret, and its manifest must carry the network's
 * signature, name the caller as the one who started the export, and match the query; its next
 * seq must lie in the manifest's range. So a forged cursor reads nothing the caller has not
 * already been audited for.
 */
async function assertCursorIsOurs(deps: Deps, auditor: Principal, request: ExportRequest, cursor: ExportCursor): Promise<void> {
  const { manifest } = cursor;
  const key = { publicKeyPem: await deps.signer.publicKeyPem(), keyId: deps.signer.keyId };
  if (checkSignature(key, "the cursor's manifest", manifestStatement(manifest), manifest.signature, manifest.keyId, 'manifest')) {
    throw ValidationError.field('cursor', 'is not a cursor this API issued; start the export again without one');
  }
  if (manifest.exportedBy !== auditor.keyId) throw ValidationError.field('cursor', 'belongs to an export another API key started');
  if (manifest.format !== request.format || manifest.from !== request.from || manifest.to !== request.to) {
    throw ValidationError.field('cursor', 'belongs to an export of other dates or another format: send the from, to and format it came with');
  }
}

/** The export's cursor as it travels in the `cursor` query parameter: base64url JSON. */
export const encodeCursor = (cursor: ExportCursor): string => Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');

const cursorSchema = z
  .strictObject({ exportId: z.string(), manifest: manifestSchema, next: z.number().int().min(1) })
  .refine((cursor) => cursor.exportId === cursor.manifest.exportId, 'exportId')
  .refine((cursor) => cursor.manifest.count > 0 && cursor.next >= cursor.manifest.firstSeq! && cursor.next <= cursor.manifest.lastSeq!, 'next');

/** Reads a cursor; undefined when it is not one (the caller turns that into a 400 on `cursor`). */
export function decodeCursor(value: string): ExportCursor | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
    return parsed.success ? (parsed.data as ExportCursor) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * GET /v1/audit/verification-key: what counsel verifies manifests, checkpoints, seals, receipts
 * and publications with. The top level is the audit key, the network's original key (so the
 * answer older verifiers read is unchanged); `keys` lists every signing key with the statement
 * types it signs. The same key id twice (a stage still on one key) is listed once, with every type.
 */
export async function verificationKey(
  deps: Pick<Deps, 'signer' | 'alertSigner'>,
): Promise<{ keyId: string; algorithm: 'ECDSA_SHA_256'; publicKeyPem: string; keys: NetworkKey[] }> {
  const audit: NetworkKey = {
    keyId: deps.signer.keyId,
    algorithm: 'ECDSA_SHA_256',
    publicKeyPem: await deps.signer.publicKeyPem(),
    statementTypes: typesOfPurpose.audit,
    signedUntypedStatements: true,
  };
  const keys =
    deps.alertSigner.keyId === deps.signer.keyId
      ? [{ ...audit, statementTypes: [...typesOfPurpose.alert, ...typesOfPurpose.audit] }]
      : [
          audit,
          {
            keyId: deps.alertSigner.keyId,
            algorithm: 'ECDSA_SHA_256' as const,
            publicKeyPem: await deps.alertSigner.publicKeyPem(),
            statementTypes: typesOfPurpose.alert,
          },
        ];
  return { keyId: audit.keyId, algorithm: 'ECDSA_SHA_256', publicKeyPem: audit.publicKeyPem, keys };
}

/**
 * POST /v1/audit/subject-tokens: the tokens of a subject, so counsel can search an export's
 * check entries for them (`verify-export --find-token`) — during a key rotation's migration
 * window, the tokens under the current and the replaced keys. This is the only way to turn a
 * name or phone number into something an export can be searched with, so it is metered: at
 * most `subjectTokenLookupsPerDay` per auditor key per UTC day (429 with Retry-After beyond),
 * every lookup tells the security topic, and its audit entry records the tokens it returned,
 * so counsel's own searches are visible to whoever reads the log. The identifiers are used for
 * the MACs and dropped.
 */
export async function subjectTokens(deps: Deps, auditor: Principal, subject: SubjectIdentifiers): Promise<{ tokens: SubjectToken[] }> {
  const now = deps.clock();
  const limit = deps.settings.subjectTokenLookupsPerDay;
  // Every key version a check would use, so checks made before a key rotation are found too.
  // Only the exact recipes' tokens: those are what check entries keep.
  const tokens = (await lookupTokens(deps.keyring, subject, deps.settings.phoneRegion)).filter(({ kind }) => auditedKinds.has(kind));
  const event: AuditEvent = {
    action: 'audit.subject_tokens',
    actor: auditActor(auditor),
    targets: {},
    outcome: 'success',
    detail: {
      tokenKinds: tokens.map(({ kind }) => kind).join(','),
      count: tokens.length,
      searched: tokens.map(({ kind, token }) => `${kind}:${token}`).join(','),
      dailyLimit: limit,
    },
  };
  const outcome = await deps.ledger.recordLookup(auditor.keyId, limit, { events: [event], now });
  if (!outcome.ok) {
    throw new TooManyRequestsError(
      `This key has made its ${limit} "was this person checked" lookups for today (UTC); retry after ${outcome.retryAfterSeconds} seconds, or ask the network operator.`,
      outcome.retryAfterSeconds,
    );
  }
  await notifySafely(deps, { topic: 'security', type: 'audit.subject_tokens', keyId: auditor.keyId, lookupsToday: outcome.count, limit, at: isoInstant(now) });
  return { tokens };
}
