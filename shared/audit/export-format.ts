import * as z from 'zod';
import { canonicalJson } from '../canonical.ts';
import type { AuditEntry } from '../records.ts';

/**
 * The two export encodings of an audit entry, each of which parses back into exactly the entry
 * that was hashed (absent optional fields stay absent), so `entryHash` reproduces its `hash`.
 *
 * - jsonl: one entry per line, its canonical JSON (sorted keys, no whitespace).
 * - csv (RFC 4180): the fixed columns below, records ending in CRLF. A cell holding a comma,
 *   a double quote, CR or LF is quoted, with its quotes doubled. `targets`, `bookings` and
 *   `detail` hold canonical JSON. An empty cell means an absent optional field
 *   (actorPracticeId, bookings, detail).
 *
 *   Spreadsheet formula injection: a cell that does not begin with an ASCII letter, an ASCII
 *   digit, `{` or `[` is written with one extra leading apostrophe (`'=cmd` for `=cmd`,
 *   `''x` for `'x`, `'` for the empty string). Spreadsheets then show it as text instead of
 *   running it, and a reader recovers the value exactly by dropping one leading apostrophe
 *   from every cell that has one. It is an allow-list on the first character, so `+`, `-`,
 *   `@`, tab, CR, spaces, RTL and other invisible marks before a `=` are all covered.
 */
export const csvColumns = [
  'seq',
  'at',
  'action',
  'actorKeyId',
  'actorRole',
  'actorPracticeId',
  'targets',
  'outcome',
  'bookings',
  'detail',
  'prevHash',
  'hash',
  'chain',
] as const;

/** The columns of a CSV export written before there were many chains (no `chain`): still read. */
export const legacyCsvColumns = csvColumns.slice(0, -1);

export const csvHeader = csvColumns.join(',');
export const csvNewline = '\r\n';

const entryFields = new Set(['seq', 'at', 'action', 'actor', 'targets', 'outcome', 'bookings', 'detail', 'prevHash', 'hash', 'chain']);
const actorFields = new Set(['keyId', 'role', 'practiceId']);

// ── jsonl ────────────────────────────────────────────────────────────────────

export const toJsonLine = (entry: AuditEntry): string => canonicalJson(entry);

/** Parses one jsonl line into an entry; throws EntryFormatError for anything else. */
export function fromJsonLine(line: string): AuditEntry {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new EntryFormatError('not JSON');
  }
  return entryFromJson(value);
}

// ── csv ──────────────────────────────────────────────────────────────────────

/** One CSV record (no line terminator). Throws when the entry has a field no column holds. */
export function toCsvRow(entry: AuditEntry): string {
  for (const key of Object.keys(entry)) if (!entryFields.has(key)) throw new Error(`audit entry field "${key}" has no CSV column`);
  for (const key of Object.keys(entry.actor)) if (!actorFields.has(key)) throw new Error(`audit actor field "${key}" has no CSV column`);
  const cells: (string | undefined)[] = [
    String(entry.seq),
    entry.at,
    entry.action,
    entry.actor.keyId,
    entry.actor.role,
    entry.actor.practiceId,
    canonicalJson(entry.targets),
    entry.outcome,
    entry.bookings === undefined ? undefined : canonicalJson(entry.bookings),
    entry.detail === undefined ? undefined : canonicalJson(entry.detail),
    entry.prevHash,
    entry.hash,
    // Empty for an entry of the one chain of before (it has no chain name).
    entry.chain,
  ];
  return cells.map((cell) => (cell === undefined ? '' : quote(guard(cell)))).join(',');
}

/** The entry of one CSV record's cells (as csvRecords yields them); throws EntryFormatError. */
export function fromCsvCells(cells: readonly string[]): AuditEntry {
  if (cells.length !== csvColumns.length && cells.length !== legacyCsvColumns.length)
    throw new EntryFormatError(`has ${cells.length} cells, not ${csvColumns.length}`);
  const cell = (column: (typeof csvColumns)[number]) => {
    const raw = cells[csvColumns.indexOf(column)] ?? '';
    return raw === '' ? undefined : unguard(raw);
  };
  const required = (column: (typeof csvColumns)[number]) => {
    const value = cell(column);
    if (value === undefined) throw new EntryFormatError(`${column} is empty`);
    return value;
  };
  const json = (column: (typeof csvColumns)[number], value: string | undefined) => {
    if (value === undefined) return undefined;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      throw new EntryFormatError(`${column} is not JSON`);
    }
  };
  const seqText = required('seq');
  if (!/^[1-9][0-9]{0,15}$/.test(seqText)) throw new EntryFormatError('seq is not a sequence number');
  const practiceId = cell('actorPracticeId');
  const bookings = json('bookings', cell('bookings'));
  const detail = json('detail', cell('detail'));
  const chain = cell('chain');
  return entryFromJson({
    ...(chain === undefined ? {} : { chain }),
    seq: Number(seqText),
    at: required('at'),
    action: required('action'),
    actor: { keyId: required('actorKeyId'), role: required('actorRole'), ...(practiceId === undefined ? {} : { practiceId }) },
    targets: json('targets', required('targets')),
    outcome: required('outcome'),
    ...(bookings === undefined ? {} : { bookings }),
    ...(detail === undefined ? {} : { detail }),
    prevHash: required('prevHash'),
    hash: required('hash'),
  });
}

/** Cells that could start a formula (anything but a letter, digit, `{` or `[` first) get a leading apostrophe. */
export function guard(value: string): string {
  if (/\p{Cs}/u.test(value)) throw new Error('a CSV cell must be well-formed Unicode (it has a lone surrogate)');
  return /^[A-Za-z0-9{[]/.test(value) ? value : `'${value}`;
}

export const unguard = (cell: string): string => (cell.startsWith("'") ? cell.slice(1) : cell);

function quote(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

/** A whole CSV record with its CRLF, from cells as they are (no guarding): the header. */
export const csvLine = (cells: readonly string[]): string => `${cells.map(quote).join(',')}${csvNewline}`;

export interface CsvRecord {
  readonly cells: string[];
  /** The 1-based line the record starts on (quoted newlines count as lines). */
  readonly line: number;
}

/**
 * RFC 4180 records from a stream of text chunks, holding one record at a time in memory.
 * A record ends at CRLF or LF outside quotes; a chunk may end anywhere, even between the two
 * halves of a surrogate pair or of a doubled quote. Throws EntryFormatError on a stray quote.
 */
export async function* csvRecords(chunks: AsyncIterable<string | Buffer>): AsyncGenerator<CsvRecord> {
  let cells: string[] = [];
  let cell = '';
  let quoted = false; // inside a quoted cell
  let afterQuote = false; // just saw a quote inside a quoted cell: a doubled quote or the end of the cell
  let pendingCr = false; // saw CR outside quotes: must be followed by LF
  let started = false; // the current record has content
  let line = 1;
  let recordLine = 1;
  const endCell = () => {
    cells.push(cell);
    cell = '';
  };
  for await (const chunk of chunks) {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    for (let i = 0; i < text.length; i += 1) {
      const char = text[i]!;
      if (pendingCr) {
        if (char !== '\n') throw new EntryFormatError(`line ${line}: CR without LF outside quotes`);
        pendingCr = false;
      }
      if (afterQuote) {
        afterQuote = false;
        if (char === '"') {
          cell += '"';
          continue;
        }
        quoted = false;
        if (char !== ',' && char !== '\r' && char !== '\n') throw new EntryFormatError(`line ${line}: text after a closing quote`);
      }
      if (quoted) {
        if (char === '"') afterQuote = true;
        else {
          cell += char;
          if (char === '\n') line += 1;
        }
        continue;
      }
      if (!started) {
        started = true;
        recordLine = line;
      }
      if (char === ',') endCell();
      else if (char === '"') {
        if (cell !== '') throw new EntryFormatError(`line ${line}: a quote inside an unquoted cell`);
        quoted = true;
      } else if (char === '\r') pendingCr = true;
      else if (char === '\n') {
        endCell();
        yield { cells, line: recordLine };
        cells = [];
        started = false;
        line += 1;
      } else cell += char;
    }
  }
  if (quoted && !afterQuote) throw new EntryFormatError(`line ${recordLine}: the file ends inside a quoted cell`);
  if (started) {
    endCell();
    yield { cells, line: recordLine };
  }
}

// ── shape ────────────────────────────────────────────────────────────────────

export class EntryFormatError extends Error {
  override readonly name = 'EntryFormatError';
}

/**
 * Built on first use: only readers of an export (verify-export, the console) check entries, so
 * a bundle that only writes exports (the audit function) leaves the schema and the zod code it
 * needs out.
 */
let entryShape: ReturnType<typeof buildEntryShape> | undefined;
const buildEntryShape = () => {
  const flat = z.union([z.string(), z.number(), z.boolean()]);
  return z.object({
    chain: z
      .string()
      .regex(/^c[0-9]{3}$/)
      .optional(),
    seq: z.number().int().min(1),
    at: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
    action: z.string().min(1),
    actor: z.object({ keyId: z.string(), role: z.string(), practiceId: z.string().optional() }),
    targets: z.record(z.string(), z.union([z.string(), z.number()])),
    outcome: z.string(),
    bookings: z
      .array(
        z.object({
          ref: z.string().optional(),
          tokenKinds: z.array(z.string()),
          tokenDigests: z.array(z.string()).optional(),
          tokens: z.array(z.string()).optional(),
          result: z.string(),
          confidence: z.string().optional(),
        }),
      )
      .optional(),
    detail: z.record(z.string(), flat).optional(),
    prevHash: z.string().regex(/^[0-9a-f]{64}$/),
    hash: z.string().regex(/^[0-9a-f]{64}$/),
  });
};

/**
 * Checks the shape of a parsed entry and returns the value itself (not zod's copy), so that
 * fields the checker does not know still count towards the hash. Throws EntryFormatError.
 */
export function entryFromJson(value: unknown): AuditEntry {
  if (value !== null && typeof value === 'object' && (value as { type?: unknown }).type === 'manifest') {
    throw new EntryFormatError('a manifest where an entry was expected');
  }
  const parsed = (entryShape ??= buildEntryShape()).safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new EntryFormatError(`${issue.path.join('.') || 'entry'}: ${issue.message.replace(/^Invalid input: /, '')}`);
  }
  return value as AuditEntry;
}
