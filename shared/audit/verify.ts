import { createReadStream } from 'node:fs';
import { tokensInBooking } from './check-tokens.ts';
import { open, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { canonicalJson } from '../canonical.ts';
import type { AuditCheckpoint, AuditSeal, AuditEntry, AuditedBooking } from '../records.ts';
import { entryHash } from './chain.ts';
import { csvColumns, csvRecords, legacyCsvColumns, entryFromJson, EntryFormatError, fromCsvCells } from './export-format.ts';
import { manifestStatement, parseManifest, type ExportFormat, type Manifest } from './manifest.ts';
import { checkSignature, type VerificationKey } from './statements.ts';
import { sealStatement } from './seal.ts';
import { checkpointStatement, isCheckpointValue, parseCheckpoint } from './checkpoint.ts';
import { entryChain, legacyChain } from './chains.ts';
import { ChainsCheck, checkCheckpoints, checkpointLines, type ChainsFailureCode, type CheckpointExpectations } from './verify-chains.ts';

/**
 * The offline verifier of an export file: what counsel runs with the file and the network's
 * public key. It streams the file (one entry in memory at a time) and stops at the first
 * problem, naming the line and the sequence number where the export stops being the signed
 * chain.
 *
 * Checks, in order: the manifest is well-formed, is for this format, and its signature
 * verifies; then for each entry: its hash matches its content, its seq is the next one, its
 * prevHash is the previous entry's hash (the manifest's firstPrevHash for the first), its time
 * is not before the previous entry's and lies in the manifest's dates, the first and last
 * entries' times are the manifest's firstAt and lastAt, the last entry's hash is the
 * manifest's headHash; finally that no entry is missing at the end.
 */
export type FailureCode =
  | 'manifest_missing'
  | 'manifest_malformed'
  | 'manifest_format'
  | 'wrong_key'
  | 'bad_signature'
  | 'untyped_statement'
  | 'csv_header'
  | 'malformed_entry'
  | 'hash_mismatch'
  | 'seq_gap'
  | 'seq_repeat'
  | 'chain_break'
  | 'beyond_manifest'
  | 'head_mismatch'
  | 'manifest_mismatch'
  | 'time_order'
  | 'time_range'
  | 'truncated'
  | 'after_manifest'
  | 'seal_signature'
  | 'seal_mismatch'
  | ChainsFailureCode;

export interface VerifyFailure {
  readonly code: FailureCode;
  readonly message: string;
  /** The 1-based line of the file where the problem is (absent for the manifest's own problems). */
  readonly line?: number | undefined;
  /** The first sequence number the verifier cannot vouch for. */
  readonly seq?: number | undefined;
}

export interface VerifyResult {
  readonly ok: boolean;
  /** Seals whose sealed entry was in the file and matched (seals of other ranges are not counted). */
  readonly sealsMatched?: number | undefined;
  readonly manifest?: Manifest | undefined;
  /** Whether the manifest's signature was checked (only with a key). */
  readonly signatureChecked: boolean;
  /** Entries read before the verdict. */
  readonly entries: number;
  /** Many-chain exports: how many checkpoints were checked, or 'skipped' when told not to (--no-checkpoints). */
  readonly checkpoints?: number | 'skipped' | undefined;
  readonly failure?: VerifyFailure | undefined;
}

export interface TokenMatch {
  readonly token: string;
  readonly line: number;
  readonly entry: AuditEntry;
  readonly booking: AuditedBooking;
}

export interface VerifyOptions {
  /** Defaults to csv for a `.csv` file, else jsonl. */
  readonly format?: ExportFormat | undefined;
  /** Without a key the chain is checked but the manifest's signature is not. */
  readonly key?: VerificationKey | undefined;
  /** The manifest file (needed for csv; for jsonl it must equal the file's manifest line). */
  readonly manifestPath?: string | undefined;
  /** Tokens to look for in the entries' bookings (counsel's "was this person checked?"). */
  readonly findTokens?: readonly string[] | undefined;
  readonly onMatch?: ((match: TokenMatch) => void) | undefined;
  /**
   * Seals of the chain head (from the Object Lock bucket): each must carry a valid signature, and
   * the export's entry at a seal's seq must have the sealed hash. This is what catches a history
   * rewritten end to end by someone holding the signing key.
   */
  readonly seals?: readonly AuditSeal[] | undefined;
  /**
   * Checkpoints for a many-chain export whose file does not carry them (a CSV export), or copies
   * from write-once storage to hold the export's own against: a file of them, one a line, an
   * array, or the JSON of GET /v1/audit/checkpoints. A jsonl export's own lines are read too.
   */
  readonly checkpointsPath?: string | undefined;
  /** Verify a many-chain export without its checkpoints (the verdict says so). */
  readonly skipCheckpoints?: boolean | undefined;
}

/** Checks one entry after another against a manifest; the first problem ends the run. */
export class ChainCheck {
  private expectedSeq: number;
  private expectedPrevHash: string | null;
  private previous: { readonly at: string; readonly seq: number; readonly line: number } | undefined;
  private seen = 0;
  private readonly fromMs: number;
  private readonly toMs: number;

  constructor(private readonly manifest: Manifest) {
    this.expectedSeq = manifest.firstSeq ?? 1;
    this.expectedPrevHash = manifest.firstPrevHash;
    this.fromMs = Date.parse(`${manifest.from}T00:00:00Z`);
    this.toMs = Date.parse(`${manifest.to}T00:00:00Z`) + 86_400_000;
  }

  get entries(): number {
    return this.seen;
  }

  push(entry: AuditEntry, line: number): VerifyFailure | undefined {
    const manifest = this.manifest;
    const { hash, ...unhashed } = entry;
    const at = `line ${line}, seq ${entry.seq}`;
    if (entryHash(unhashed) !== hash) {
      return { code: 'hash_mismatch', line, seq: entry.seq, message: `${at}: the entry's content does not match its hash: the entry was edited` };
    }
    if (this.seen === manifest.count) {
      const last = manifest.lastSeq === null ? 'the manifest covers no entries' : `the manifest ends at seq ${manifest.lastSeq}`;
      return { code: 'beyond_manifest', line, seq: entry.seq, message: `${at}: an entry after the last one the manifest covers (${last})` };
    }
    if (entry.seq > this.expectedSeq) {
      return {
        code: 'seq_gap',
        line,
        seq: this.expectedSeq,
        message: `line ${line}: expected seq ${this.expectedSeq} but found seq ${entry.seq}: entry ${this.expectedSeq} was removed or moved`,
      };
    }
    if (entry.seq < this.expectedSeq) {
      return {
        code: 'seq_repeat',
        line,
        seq: entry.seq,
        message: `line ${line}: seq ${entry.seq} again where seq ${this.expectedSeq} was expected: an entry was inserted or moved`,
      };
    }
    if (entry.prevHash !== this.expectedPrevHash) {
      const expected = this.previous ? `the hash of seq ${this.previous.seq} on line ${this.previous.line}` : "the manifest's firstPrevHash";
      return { code: 'chain_break', line, seq: entry.seq, message: `${at}: prevHash is not ${expected}: the chain is broken before this entry` };
    }
    const time = Date.parse(entry.at);
    if (this.previous && entry.at < this.previous.at) {
      return { code: 'time_order', line, seq: entry.seq, message: `${at}: at ${entry.at} is earlier than the previous entry's ${this.previous.at}` };
    }
    if (!(time >= this.fromMs && time < this.toMs)) {
      return { code: 'time_range', line, seq: entry.seq, message: `${at}: at ${entry.at} is outside the manifest's dates ${manifest.from} to ${manifest.to}` };
    }
    if (this.seen === 0 && entry.at !== manifest.firstAt) {
      return { code: 'manifest_mismatch', line, seq: entry.seq, message: `${at}: at ${entry.at} is not the manifest's firstAt ${manifest.firstAt}` };
    }
    if (entry.seq === manifest.lastSeq) {
      if (hash !== manifest.headHash) {
        return {
          code: 'head_mismatch',
          line,
          seq: entry.seq,
          message: `${at}: the last entry's hash is not the manifest's headHash: the manifest does not describe these entries`,
        };
      }
      if (entry.at !== manifest.lastAt) {
        return { code: 'manifest_mismatch', line, seq: entry.seq, message: `${at}: at ${entry.at} is not the manifest's lastAt ${manifest.lastAt}` };
      }
    }
    this.seen += 1;
    this.expectedSeq = entry.seq + 1;
    this.expectedPrevHash = hash;
    this.previous = { at: entry.at, seq: entry.seq, line };
    return undefined;
  }

  /** After the last entry: nothing the manifest covers may be missing. */
  finish(): VerifyFailure | undefined {
    const { count, firstSeq, lastSeq } = this.manifest;
    if (this.seen === count) return undefined;
    const missing = count - this.seen;
    const after = this.previous ? `after seq ${this.previous.seq} (line ${this.previous.line})` : 'without any entry';
    return {
      code: 'truncated',
      seq: this.expectedSeq,
      message: `the file ends ${after}, but the manifest covers seq ${firstSeq} to ${lastSeq}: ${missing} ${missing === 1 ? 'entry is' : 'entries are'} missing from seq ${this.expectedSeq} on`,
    };
  }
}

/** Verifies an export file (jsonl or csv) against its manifest and, given one, the public key. */
export async function verifyExportFile(path: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const format = options.format ?? (path.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl');
  const unverified = (failure: VerifyFailure, manifest?: Manifest): VerifyResult => ({ ok: false, manifest, signatureChecked: false, entries: 0, failure });

  const source = await manifestSource(path, format, options.manifestPath);
  if ('failure' in source) return unverified(source.failure);
  const parsed = parseManifest(source.value);
  if ('error' in parsed) return unverified({ code: 'manifest_malformed', message: `the manifest is malformed: ${parsed.error}` });
  const manifest = parsed.manifest;
  if (manifest.format !== format) {
    return unverified({ code: 'manifest_format', message: `the manifest is for a ${manifest.format} export, but this file is read as ${format}` }, manifest);
  }
  if (options.key) {
    const problem = checkSignature(options.key, "the manifest's", manifestStatement(manifest), manifest.signature, manifest.keyId, 'manifest');
    if (problem) return unverified(problem, manifest);
  }

  let expectations: CheckpointExpectations | undefined;
  if (manifest.version === 2 && !options.skipCheckpoints) {
    const given = await checkpointsFor(path, format, options.checkpointsPath);
    if ('failure' in given) return unverified(given.failure, manifest);
    const key = options.key;
    const checked = await checkCheckpoints(
      manifest,
      given.checkpoints,
      key
        ? (checkpoint) => checkSignature(key, 'its', checkpointStatement(checkpoint), checkpoint.signature, checkpoint.keyId, 'checkpoint')?.message
        : undefined,
    );
    if ('failure' in checked) return unverified(checked.failure, manifest);
    expectations = checked.expectations;
  }

  const seals = new Map((options.seals ?? []).map((seal) => [seal.seq, seal]));
  for (const seal of seals.values()) {
    const problem = options.key
      ? checkSignature(options.key, `the seal of seq ${seal.seq}'s`, sealStatement(seal), seal.signature, seal.keyId, 'seal')
      : undefined;
    if (problem) return unverified({ code: 'seal_signature', seq: seal.seq, message: problem.message }, manifest);
  }
  let sealsMatched = 0;

  const chain = manifest.version === 2 ? new ChainsCheck(manifest, expectations) : new ChainCheck(manifest);
  const wanted = new Set(options.findTokens ?? []);
  const done = (failure?: VerifyFailure): VerifyResult => ({
    ok: failure === undefined,
    manifest,
    signatureChecked: options.key !== undefined,
    entries: chain.entries,
    failure,
    sealsMatched,
    ...(manifest.version === 2 ? { checkpoints: expectations?.count ?? 'skipped' } : {}),
  });
  const check = (entry: AuditEntry, line: number): VerifyFailure | undefined => {
    const failure = chain.push(entry, line);
    if (failure) return failure;
    // Seals are of the one chain of before (`main`).
    const seal = entryChain(entry) === legacyChain ? seals.get(entry.seq) : undefined;
    if (seal) {
      if (seal.hash !== entry.hash) {
        return {
          code: 'seal_mismatch',
          line,
          seq: entry.seq,
          message: `line ${line}, seq ${entry.seq}: the entry's hash is not the one sealed at ${seal.sealedAt}: the history up to here was rewritten`,
        };
      }
      sealsMatched += 1;
    }
    if (wanted.size > 0) findTokens(entry, line, wanted, options.onMatch);
    return undefined;
  };

  const entries = format === 'jsonl' ? jsonlEntries(path, canonicalJson(manifest)) : csvEntries(path);
  for await (const item of entries) {
    if ('failure' in item) return done(item.failure);
    const failure = check(item.entry, item.line);
    if (failure) return done(failure);
  }
  return done(chain.finish());
}

type Item = { readonly entry: AuditEntry; readonly line: number } | { readonly failure: VerifyFailure };

const malformed = (line: number, detail: string): { failure: VerifyFailure } => ({
  failure: { code: 'malformed_entry', line, message: `line ${line}: not an audit entry (${detail})` },
});

/** jsonl: one entry a line; the manifest is the last line, and nothing may follow a manifest line. */
async function* jsonlEntries(path: string, manifestText: string): AsyncGenerator<Item> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let number = 0;
  let manifestLine: number | undefined;
  try {
    for await (const line of lines) {
      number += 1;
      if (manifestLine !== undefined) {
        yield { failure: { code: 'after_manifest', line: number, message: `line ${number}: content after the manifest on line ${manifestLine}` } };
        return;
      }
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        yield malformed(number, 'not JSON');
        return;
      }
      if (isCheckpointValue(value)) continue;
      if (isManifest(value)) {
        if (canonicalJson(value) !== manifestText) {
          yield {
            failure: { code: 'manifest_mismatch', line: number, message: `line ${number}: this manifest line differs from the manifest being verified` },
          };
          return;
        }
        manifestLine = number;
        continue;
      }
      try {
        yield { entry: entryFromJson(value), line: number };
      } catch (error) {
        if (!(error instanceof EntryFormatError)) throw error;
        yield malformed(number, error.message);
        return;
      }
    }
  } finally {
    lines.close();
  }
}

/** csv: the header record, then one entry a record. */
async function* csvEntries(path: string): AsyncGenerator<Item> {
  let header = true;
  try {
    for await (const record of csvRecords(createReadStream(path, { encoding: 'utf8' }))) {
      if (header) {
        header = false;
        // An export from before there were many chains has no `chain` column.
        if (record.cells.join(',') !== csvColumns.join(',') && record.cells.join(',') !== legacyCsvColumns.join(',')) {
          yield { failure: { code: 'csv_header', line: record.line, message: `line ${record.line}: not the export's CSV header (${csvColumns.join(',')})` } };
          return;
        }
        continue;
      }
      try {
        yield { entry: fromCsvCells(record.cells), line: record.line };
      } catch (error) {
        if (!(error instanceof EntryFormatError)) throw error;
        yield malformed(record.line, error.message);
        return;
      }
    }
  } catch (error) {
    if (!(error instanceof EntryFormatError)) throw error;
    yield { failure: { code: 'malformed_entry', message: `the CSV cannot be read: ${error.message}` } };
  }
}

/**
 * The checkpoints of a many-chain export: from a file given for them, else from the jsonl export's
 * own checkpoint lines (read in a first pass; they are few beside the entries).
 */
async function checkpointsFor(
  path: string,
  format: ExportFormat,
  checkpointsPath: string | undefined,
): Promise<{ checkpoints: AuditCheckpoint[] } | { failure: VerifyFailure }> {
  const found: AuditCheckpoint[] = [];
  const take = (value: unknown, where: string): VerifyFailure | undefined => {
    const parsed = parseCheckpoint(value);
    if ('error' in parsed) return { code: 'checkpoint_signature', message: `${where}: ${parsed.error}` };
    found.push(parsed.checkpoint);
    return undefined;
  };
  if (checkpointsPath !== undefined) {
    let text: string;
    try {
      text = await readFile(checkpointsPath, 'utf8');
    } catch {
      return { failure: { code: 'checkpoints_missing', message: `the checkpoints file ${checkpointsPath} is not readable` } };
    }
    try {
      const whole = text.trimStart().startsWith('[') || text.trimStart().startsWith('{"checkpoints"') ? (JSON.parse(text) as unknown) : undefined;
      const values =
        whole === undefined
          ? text
              .split('\n')
              .filter((line) => line.trim() !== '')
              .map((line) => JSON.parse(line) as unknown)
          : Array.isArray(whole)
            ? whole
            : (whole as { checkpoints: unknown[] }).checkpoints;
      for (const [i, value] of values.entries()) {
        const problem = take(value, `${checkpointsPath} item ${i + 1}`);
        if (problem) return { failure: problem };
      }
    } catch {
      return {
        failure: {
          code: 'checkpoints_missing',
          message: `the checkpoints file ${checkpointsPath} is not JSON (one checkpoint a line, an array, or the answer of GET /v1/audit/checkpoints)`,
        },
      };
    }
  }
  if (format === 'csv') return { checkpoints: found };
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  try {
    const own = await checkpointLines(lines);
    return 'failure' in own ? own : { checkpoints: [...found, ...own.checkpoints] };
  } finally {
    lines.close();
  }
}

const isManifest = (value: unknown): boolean => value !== null && typeof value === 'object' && (value as { type?: unknown }).type === 'manifest';

function isManifestLine(line: string): boolean {
  try {
    return isManifest(JSON.parse(line));
  } catch {
    return false;
  }
}

async function manifestSource(path: string, format: ExportFormat, manifestPath: string | undefined): Promise<{ value: unknown } | { failure: VerifyFailure }> {
  const missing = (message: string) => ({ failure: { code: 'manifest_missing' as const, message } });
  if (manifestPath !== undefined) {
    try {
      return { value: JSON.parse(await readFile(manifestPath, 'utf8')) };
    } catch {
      return missing(`the manifest file ${manifestPath} is not readable JSON`);
    }
  }
  if (format === 'csv') return missing("a CSV export's manifest is a separate file: pass --manifest <file> (audit-export writes <out>.manifest.json)");
  const last = await lastLine(path);
  if (last === undefined || !isManifestLine(last)) return missing('the file does not end with a manifest line: it is incomplete, or not an export');
  return { value: JSON.parse(last) };
}

/** The last non-empty line of a file, read from its end (at most 64 KiB back). */
async function lastLine(path: string): Promise<string | undefined> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    await file.read(buffer, 0, length, size - length);
    let end = length;
    while (end > 0 && (buffer[end - 1] === 0x0a || buffer[end - 1] === 0x0d)) end -= 1;
    const start = buffer.lastIndexOf(0x0a, end - 1) + 1;
    if (start === 0 && length < size) return undefined;
    return end > start ? buffer.subarray(start, end).toString('utf8') : undefined;
  } finally {
    await file.close();
  }
}

function findTokens(entry: AuditEntry, line: number, wanted: ReadonlySet<string>, onMatch: VerifyOptions['onMatch']): void {
  for (const booking of entry.bookings ?? []) {
    for (const token of tokensInBooking(booking, wanted)) onMatch?.({ token, line, entry, booking });
  }
}

/** The verdict as counsel reads it: one line, then the details. */
export function describeResult(result: VerifyResult, source: string): string {
  const manifest = result.manifest;
  const range =
    manifest?.version === 2
      ? `${manifest.count} entries in ${manifest.chains} chain${manifest.chains === 1 ? '' : 's'} (${manifest.from} to ${manifest.to}), up to checkpoint ${manifest.checkpoints!.last} (tree head ${manifest.checkpoints!.lastRootHash})`
      : manifest
        ? manifest.count === 0
          ? `no entries (${manifest.from} to ${manifest.to})`
          : `${manifest.count} entries, seq ${manifest.firstSeq} to ${manifest.lastSeq} (${manifest.from} to ${manifest.to}), head ${manifest.headHash}`
        : 'no manifest';
  if (!result.ok) {
    const where = result.failure?.seq === undefined ? '' : ` First bad seq: ${result.failure.seq}.`;
    return `FAILED: ${source} is not an intact export. ${result.failure?.message ?? ''}.${where}\n  manifest: ${range}`;
  }
  if (!result.signatureChecked) {
    return `INCOMPLETE: the chain of ${source} is intact (${range}), but the manifest's signature was NOT checked: pass --key with the network's public key.`;
  }
  if (result.checkpoints === 'skipped') {
    return `INCOMPLETE: every hash, every chain and the manifest signature of ${source} check out (${range}), but its checkpoints were NOT checked (--no-checkpoints): a history rewritten and re-signed before the export would not show.`;
  }
  const seals = result.sealsMatched
    ? ` ${result.sealsMatched} seal${result.sealsMatched === 1 ? '' : 's'} agree${result.sealsMatched === 1 ? 's' : ''} with it.`
    : '';
  if (manifest?.version === 2) {
    return `VERIFIED: ${source} holds ${range}; every hash, every chain, the manifest signature (key ${manifest.keyId}) and ${result.checkpoints} checkpoint${result.checkpoints === 1 ? '' : 's'} (signature, tree head, links, and every chain head they recorded in the dates) check out.${seals}`;
  }
  return `VERIFIED: ${source} holds ${range}; every hash, the chain and the manifest signature (key ${manifest?.keyId}) check out.${seals}`;
}
