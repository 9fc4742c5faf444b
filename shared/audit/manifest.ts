import * as z from 'zod';
import { canonicalJson, sha256Hex } from '../canonical.ts';
import { isRealDate } from '../dates.ts';
import { signStatement } from '../domain/signing.ts';
import type { Signer } from '../ports.ts';
import type { AuditEntry } from '../records.ts';

export const exportFormats = ['jsonl', 'csv'] as const;
export type ExportFormat = (typeof exportFormats)[number];

/**
 * One chain's part of an export: the contiguous run firstSeq..lastSeq of that chain, the hash it
 * starts from and the hash it ends on. These two hashes pin down every entry in between.
 */
export interface ExportRange {
  readonly chain: string;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstPrevHash: string;
  readonly headHash: string;
}

/** Which checkpoints an export carries: first..last, the last one made when the export began. */
export interface ManifestCheckpoints {
  /** The last checkpoint made before the range's first day (or checkpoint 1). */
  readonly first: number;
  /** The checkpoint the export's ranges end at (no range goes past its chain's head there). */
  readonly last: number;
  readonly lastRootHash: string;
}

/**
 * What the network signs about one export.
 *
 * Version 2 (many chains): `chains` ranges, one per chain with entries in the dates, whose list
 * (sorted by chain) hashes to `rangesSha256`, ending at checkpoint `checkpoints.last`; the seq,
 * hash and time fields are null (they are per chain, in the file). Without `version`: an export
 * of the one chain of before, the contiguous run firstSeq..lastSeq, from firstPrevHash to
 * headHash. An empty range has count 0 and nulls for the seq, hash and time fields.
 */
export interface UnsignedManifest {
  readonly version?: 2 | undefined;
  readonly type: 'manifest';
  readonly exportId: string;
  /** The key id of the auditor who asked for the export (cursors only work for that key). */
  readonly exportedBy: string;
  readonly format: ExportFormat;
  /** The requested dates, YYYY-MM-DD, both included (UTC). */
  readonly from: string;
  readonly to: string;
  readonly count: number;
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  readonly firstPrevHash: string | null;
  readonly headHash: string | null;
  readonly firstAt: string | null;
  readonly lastAt: string | null;
  readonly generatedAt: string;
  readonly keyId: string;
  readonly algorithm: 'ECDSA_SHA_256';
  /** Version 2: how many chain ranges the export holds, and the SHA-256 of their list. */
  readonly chains?: number | undefined;
  readonly rangesSha256?: string | undefined;
  readonly checkpoints?: ManifestCheckpoints | undefined;
}

export interface Manifest extends UnsignedManifest {
  /** Base64 DER ECDSA P-256 / SHA-256 over the canonical JSON of every other field. */
  readonly signature: string;
}

export interface ManifestRequest {
  readonly exportId: string;
  readonly exportedBy: string;
  readonly format: ExportFormat;
  readonly from: string;
  readonly to: string;
  readonly generatedAt: string;
}

type Ends = { readonly first: AuditEntry; readonly last: AuditEntry } | undefined;

/** SHA-256 of the canonical JSON of the ranges, sorted by chain: what a version 2 manifest signs. */
export const rangesDigest = (ranges: readonly ExportRange[]): string =>
  sha256Hex(
    canonicalJson(
      [...ranges]
        .sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0))
        .map(({ chain, firstSeq, lastSeq, firstPrevHash, headHash }) => ({ chain, firstSeq, lastSeq, firstPrevHash, headHash })),
    ),
  );

/** The entries of a range. */
export const rangeCount = (range: ExportRange): number => range.lastSeq - range.firstSeq + 1;

/** The version 2 manifest of these chain ranges, ending at checkpoint `checkpoints.last`, without its signature. */
export function describeRanges(request: ManifestRequest, ranges: readonly ExportRange[], checkpoints: ManifestCheckpoints, keyId: string): UnsignedManifest {
  const { exportId, exportedBy, format, from, to, generatedAt } = request;
  return {
    type: 'manifest',
    version: 2,
    exportId,
    exportedBy,
    format,
    from,
    to,
    count: ranges.reduce((sum, range) => sum + rangeCount(range), 0),
    firstSeq: null,
    lastSeq: null,
    firstPrevHash: null,
    headHash: null,
    firstAt: null,
    lastAt: null,
    chains: ranges.length,
    rangesSha256: rangesDigest(ranges),
    checkpoints,
    generatedAt,
    keyId,
    algorithm: 'ECDSA_SHA_256',
  };
}

export async function signRangesManifest(
  signer: Signer,
  request: ManifestRequest,
  ranges: readonly ExportRange[],
  checkpoints: ManifestCheckpoints,
): Promise<Manifest> {
  const unsigned = describeRanges(request, ranges, checkpoints, signer.keyId);
  const { signature } = await signStatement(signer, unsigned);
  return { ...unsigned, signature };
}

/** The manifest of the run first..last (or of an empty range), without its signature. */
export function describeRange(request: ManifestRequest, range: Ends, keyId: string): UnsignedManifest {
  const { exportId, exportedBy, format, from, to, generatedAt } = request;
  return {
    type: 'manifest',
    exportId,
    exportedBy,
    format,
    from,
    to,
    count: range ? range.last.seq - range.first.seq + 1 : 0,
    firstSeq: range?.first.seq ?? null,
    lastSeq: range?.last.seq ?? null,
    firstPrevHash: range?.first.prevHash ?? null,
    headHash: range?.last.hash ?? null,
    firstAt: range?.first.at ?? null,
    lastAt: range?.last.at ?? null,
    generatedAt,
    keyId,
    algorithm: 'ECDSA_SHA_256',
  };
}

export async function signManifest(signer: Signer, request: ManifestRequest, range: Ends): Promise<Manifest> {
  const unsigned = describeRange(request, range, signer.keyId);
  const { signature } = await signStatement(signer, unsigned);
  return { ...unsigned, signature };
}

/** The statement the signature covers: the manifest without its signature. */
export function manifestStatement(manifest: Manifest): UnsignedManifest {
  const { signature: _signature, ...statement } = manifest;
  return statement;
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex SHA-256');
const instant = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, 'must be an ISO instant');
const date = z.string().refine(isRealDate, 'must be a date written YYYY-MM-DD');
const seq = z.number().int().min(1);
const nullable = <T extends z.ZodType>(schema: T) => schema.nullable();

/** The manifest's shape and its internal arithmetic (count = lastSeq − firstSeq + 1). */
export const manifestSchema = z
  .strictObject({
    type: z.literal('manifest'),
    exportId: z.string().regex(/^exp_[0-9a-z]{26}$/, 'must be an export id'),
    exportedBy: z.string().min(1).max(64),
    format: z.enum(exportFormats),
    from: date,
    to: date,
    count: z.number().int().min(0),
    firstSeq: nullable(seq),
    lastSeq: nullable(seq),
    firstPrevHash: nullable(hex64),
    headHash: nullable(hex64),
    firstAt: nullable(instant),
    lastAt: nullable(instant),
    generatedAt: instant,
    keyId: z.string().min(1).max(2048),
    algorithm: z.literal('ECDSA_SHA_256'),
    signature: z
      .string()
      .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64')
      .max(200),
    version: z.literal(2).optional(),
    chains: z.number().int().min(0).max(1001).optional(),
    rangesSha256: hex64.optional(),
    checkpoints: z.strictObject({ first: z.number().int().min(1), last: z.number().int().min(1), lastRootHash: hex64 }).optional(),
  })
  .superRefine((manifest, ctx) => {
    const ends = [manifest.firstSeq, manifest.lastSeq, manifest.firstPrevHash, manifest.headHash, manifest.firstAt, manifest.lastAt];
    if (manifest.version === 2) {
      if (ends.some((value) => value !== null))
        ctx.addIssue({ code: 'custom', path: ['version'], message: 'is 2 but a seq, hash or time field is not null (they are per chain)' });
      if (manifest.chains === undefined || manifest.rangesSha256 === undefined || manifest.checkpoints === undefined) {
        ctx.addIssue({ code: 'custom', path: ['version'], message: 'is 2 but chains, rangesSha256 or checkpoints is missing' });
      } else if (manifest.checkpoints.first > manifest.checkpoints.last) {
        ctx.addIssue({ code: 'custom', path: ['checkpoints'], message: 'first is after last' });
      } else if ((manifest.count === 0) !== (manifest.chains === 0)) {
        ctx.addIssue({ code: 'custom', path: ['chains'], message: 'and count disagree on whether the export is empty' });
      }
      return;
    }
    if (manifest.chains !== undefined || manifest.rangesSha256 !== undefined || manifest.checkpoints !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['version'], message: 'is missing but chains, rangesSha256 or checkpoints is given' });
      return;
    }
    if (manifest.count === 0) {
      if (ends.some((value) => value !== null))
        ctx.addIssue({ code: 'custom', path: ['count'], message: 'is 0 but the seq, hash and time fields are not null' });
      return;
    }
    if (ends.some((value) => value === null)) {
      ctx.addIssue({ code: 'custom', path: ['count'], message: 'is not 0 but a seq, hash or time field is null' });
    } else if (manifest.lastSeq! - manifest.firstSeq! + 1 !== manifest.count) {
      ctx.addIssue({ code: 'custom', path: ['count'], message: 'is not lastSeq − firstSeq + 1' });
    }
  });

/** Parses a manifest; the error names the first bad field. */
export function parseManifest(value: unknown): { manifest: Manifest } | { error: string } {
  const parsed = manifestSchema.safeParse(value);
  if (parsed.success) return { manifest: parsed.data as Manifest };
  const issue = parsed.error.issues[0]!;
  return { error: `${issue.path.join('.') || '(manifest)'} ${issue.message.replace(/^Invalid input: /, '')}` };
}

/** The manifest as one line: canonical JSON (the jsonl export's last line, the CSV's `.manifest.json`). */
export const manifestLine = (manifest: Manifest): string => canonicalJson(manifest);

/** The `X-Audit-Manifest` header: base64url of the manifest's canonical JSON, signature included. */
export const manifestHeader = (manifest: Manifest): string => Buffer.from(manifestLine(manifest), 'utf8').toString('base64url');

export function manifestFromHeader(value: string): { manifest: Manifest } | { error: string } {
  try {
    return parseManifest(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
  } catch {
    return { error: 'X-Audit-Manifest is not base64url JSON' };
  }
}
