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
import {
  manifestLine,
  manifestSchema,
  manifestStatement,
  rangesDigest,
  signRangesManifest,
  type ExportFormat,
  type ExportRange,
  type Manifest,
} from '../audit/manifest.ts';
import { makeCheckpoint } from '../audit/checkpoint.ts';
import { legacyChain } from '../audit/chains.ts';
import { checkSignature } from '../audit/statements.ts';
import { TooManyRequestsError, ValidationError } from '../errors.ts';
import { notifySafely } from './notify.ts';
import type { AuditCheckpoint, AuditEvent, Principal, SubjectToken } from '../records.ts';

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

/** Where the checkpoint lines of a jsonl export are, in a cursor's `chain`. */
export const checkpointSection = '~checkpoints';

export interface ExportCursor {
  readonly exportId: string;
  readonly manifest: Manifest;
  /** The first sequence number of the page this cursor asks for (a checkpoint number in the checkpoint section). */
  readonly next: number;
  /** The chain `next` is in, or `~checkpoints` (absent in cursors of one-chain exports). */
  readonly chain?: string | undefined;
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

/** One line of an export and where it is (so the page that cannot take it can point the next page at it). */
interface ExportLine {
  readonly line: string;
  readonly chain: string;
  readonly next: number;
  readonly entry: boolean;
}

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
  const pageSize = deps.settings.auditExportPageSize;
  let entries = 0;
  let taken = 0;
  let bytes = 0;
  let next: ExportCursor | undefined;
  for await (const item of exportLines(deps, manifest, { chain: cursor.chain, next: cursor.next }, csv, pageSize)) {
    // What the line costs inside Lambda's JSON answer: escaped, with its line break.
    const cost = Buffer.byteLength(JSON.stringify(item.line + newline), 'utf8') - 2;
    if (taken > 0 && (taken >= pageSize || bytes + cost > pageBodyBudgetBytes)) {
      next = { exportId: manifest.exportId, manifest, next: item.next, ...(manifest.version === 2 ? { chain: item.chain } : {}) };
      break;
    }
    lines.push(item.line);
    bytes += cost;
    taken += 1;
    if (item.entry) entries += 1;
  }
  if (!next && !csv) lines.push(manifestLine(manifest));
  return { manifest, body: lines.map((line) => line + newline).join(''), entries, next };
}

/**
 * The export's lines from a position on: each range's entries in chain order, then (jsonl only)
 * the checkpoints first..last. Reads at most `pageSize` entries ahead of what the page takes.
 */
async function* exportLines(
  deps: Deps,
  manifest: Manifest,
  from: { chain?: string | undefined; next: number },
  csv: boolean,
  pageSize: number,
): AsyncGenerator<ExportLine> {
  const ranges = await manifestRanges(deps, manifest);
  const start = from.chain ?? ranges[0]?.chain;
  let started = false;
  for (const range of ranges) {
    if (!started && range.chain !== start && start !== undefined && start !== checkpointSection) continue;
    if (start === checkpointSection) break;
    const firstSeq = started ? range.firstSeq : Math.max(range.firstSeq, from.next);
    started = true;
    for (let seq = firstSeq; seq <= range.lastSeq; seq += pageSize) {
      const last = Math.min(range.lastSeq, seq + pageSize - 1);
      for await (const entry of deps.audit.read(seq, last, pageSize, range.chain)) {
        yield { line: csv ? toCsvRow(entry) : toJsonLine(entry), chain: range.chain, next: entry.seq, entry: true };
      }
    }
  }
  if (csv || !manifest.checkpoints) return;
  const { first, last } = manifest.checkpoints;
  for (let number = start === checkpointSection ? from.next : first; number <= last; number += 100) {
    for (const checkpoint of await deps.checkpoints.list(number, Math.min(last, number + 99))) {
      yield { line: checkpointLine(checkpoint), chain: checkpointSection, next: checkpoint.number, entry: false };
    }
  }
}

/** A checkpoint as one line of a jsonl export (canonical JSON, like the entries). */
export const checkpointLine = (checkpoint: AuditCheckpoint): string => canonicalJson(checkpoint);

/** The last few exports' ranges, so following pages do not read every chain's bounds again. */
const rangeCache = new Map<string, readonly ExportRange[]>();

/**
 * The chain ranges a manifest covers. A one-chain manifest names its range; a version 2 manifest
 * is recomputed from its last checkpoint (the stored entries never change, so the same ranges
 * come back) and must hash to the signed rangesSha256.
 */
async function manifestRanges(deps: Deps, manifest: Manifest): Promise<readonly ExportRange[]> {
  if (manifest.version !== 2) {
    return manifest.count === 0
      ? []
      : [
          {
            chain: legacyChain,
            firstSeq: manifest.firstSeq!,
            lastSeq: manifest.lastSeq!,
            firstPrevHash: manifest.firstPrevHash!,
            headHash: manifest.headHash!,
          },
        ];
  }
  const cached = rangeCache.get(manifest.exportId);
  if (cached) return cached;
  const [checkpoint] = await deps.checkpoints.list(manifest.checkpoints!.last, manifest.checkpoints!.last);
  if (!checkpoint) throw new Error(`checkpoint ${manifest.checkpoints!.last} of export ${manifest.exportId} is missing from the checkpoint store`);
  const ranges = await chainRanges(deps, checkpoint, manifest.from, manifest.to);
  if (rangesDigest(ranges) !== manifest.rangesSha256) throw new Error(`the stored entries no longer match the signed ranges of export ${manifest.exportId}`);
  if (rangeCache.size >= 8) rangeCache.delete(rangeCache.keys().next().value!);
  rangeCache.set(manifest.exportId, ranges);
  return ranges;
}

/**
 * Each chain's run of entries in the dates, no further than the chain's head at the checkpoint:
 * the first entry at or after `from` 00:00Z and the last one before the day after `to`. Entries
 * of a chain are in time order, so an entry past the checkpoint's head is later than the head.
 */
async function chainRanges(deps: Deps, checkpoint: AuditCheckpoint, from: string, to: string): Promise<ExportRange[]> {
  const fromAt = `${from}T00:00:00Z`;
  const toAt = isoInstant(addDays(new Date(`${to}T00:00:00Z`), 1));
  const ranges: ExportRange[] = [];
  for (let i = 0; i < checkpoint.heads.length; i += 16) {
    const batch = await Promise.all(
      checkpoint.heads.slice(i, i + 16).map(async (head): Promise<ExportRange | undefined> => {
        if (head.at < fromAt) return undefined;
        const found = await deps.audit.bounds(fromAt, toAt, head.chain);
        if (!found || found.first.seq > head.seq) return undefined;
        let last = found.last;
        if (last.seq > head.seq) {
          for await (const entry of deps.audit.read(head.seq, head.seq, 1, head.chain)) last = entry;
        }
        return { chain: head.chain, firstSeq: found.first.seq, lastSeq: last.seq, firstPrevHash: found.first.prevHash, headHash: last.hash };
      }),
    );
    for (const range of batch) if (range) ranges.push(range);
  }
  return ranges.sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0));
}

/** The first request: fix the range at a checkpoint, sign its manifest, and record the export itself. */
async function startExport(deps: Deps, auditor: Principal, request: ExportRequest): Promise<ExportCursor> {
  const now = deps.clock();
  const checkpoint = await makeCheckpoint(deps, { onlyIfChanged: true });
  const firstCheckpoint = (await deps.checkpoints.lastBefore(`${request.from}T00:00:00Z`))?.number ?? 1;
  const ranges = await chainRanges(deps, checkpoint, request.from, request.to);
  // Export ids have the shape of the API's other ids (shared/ids.ts has no `exp` kind yet).
  const exportId = newId('exp', now);
  const manifest = await signRangesManifest(
    deps.signer,
    { exportId, exportedBy: auditor.keyId, format: request.format, from: request.from, to: request.to, generatedAt: isoInstant(now) },
    ranges,
    { first: Math.min(firstCheckpoint, checkpoint.number), last: checkpoint.number, lastRootHash: checkpoint.rootHash },
  );
  const detail = {
    from: request.from,
    to: request.to,
    format: request.format,
    count: manifest.count,
    chains: ranges.length,
    checkpoint: checkpoint.number,
    manifestSha256: sha256Hex(canonicalJson(manifest)),
  };
  await deps.audit.append([{ action: 'audit.exported', actor: auditActor(auditor), targets: { exportId }, outcome: 'success', detail }], now);
  rangeCache.set(exportId, ranges);
  return { exportId, manifest, next: ranges[0]?.firstSeq ?? manifest.checkpoints!.first, chain: ranges[0]?.chain ?? checkpointSection };
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
  if (checkSignature(key, "the cursor's manifest", manifestStatement(manifest), manifest.signature, manifest.keyId)) {
    throw ValidationError.field('cursor', 'is not a cursor this API issued; start the export again without one');
  }
  if (manifest.exportedBy !== auditor.keyId) throw ValidationError.field('cursor', 'belongs to an export another API key started');
  if (manifest.format !== request.format || manifest.from !== request.from || manifest.to !== request.to) {
    throw ValidationError.field('cursor', 'belongs to an export of other dates or another format: send the from, to and format it came with');
  }
  if (manifest.version === 2) {
    const ranges = await manifestRanges(deps, manifest);
    const { chain, next } = cursor;
    const inRange =
      chain === checkpointSection
        ? manifest.checkpoints!.first <= next && next <= manifest.checkpoints!.last
        : ranges.some((range) => range.chain === chain && range.firstSeq <= next && next <= range.lastSeq);
    if (!inRange) throw ValidationError.field('cursor', 'points outside the export it belongs to; start the export again without one');
  }
}

/** The export's cursor as it travels in the `cursor` query parameter: base64url JSON. */
export const encodeCursor = (cursor: ExportCursor): string => Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');

const cursorSchema = z
  .strictObject({ exportId: z.string(), manifest: manifestSchema, next: z.number().int().min(1), chain: z.string().max(64).optional() })
  .refine((cursor) => cursor.exportId === cursor.manifest.exportId, 'exportId')
  .refine(
    (cursor) =>
      cursor.manifest.version === 2
        ? cursor.chain !== undefined
        : cursor.chain === undefined && cursor.manifest.count > 0 && cursor.next >= cursor.manifest.firstSeq! && cursor.next <= cursor.manifest.lastSeq!,
    'next',
  );

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

/** GET /v1/audit/checkpoints: first..last, or the latest one. */
export async function listCheckpoints(
  deps: Pick<Deps, 'checkpoints'>,
  query: { first?: number | undefined; last?: number | undefined },
): Promise<{ checkpoints: AuditCheckpoint[]; latest: number | null }> {
  const latest = await deps.checkpoints.latest();
  if (query.first === undefined || query.last === undefined) return { checkpoints: latest ? [latest] : [], latest: latest?.number ?? null };
  return { checkpoints: await deps.checkpoints.list(query.first, query.last), latest: latest?.number ?? null };
}

/** GET /v1/audit/verification-key: what counsel verifies manifests, receipts and publications with. */
export async function verificationKey(deps: Pick<Deps, 'signer'>): Promise<{ keyId: string; algorithm: 'ECDSA_SHA_256'; publicKeyPem: string }> {
  return { keyId: deps.signer.keyId, algorithm: 'ECDSA_SHA_256', publicKeyPem: await deps.signer.publicKeyPem() };
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
