import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { chainEntries, entryHash } from '#shared/audit/chain.ts';
import {
  csvColumns,
  csvHeader,
  csvLine,
  csvNewline,
  csvRecords,
  EntryFormatError,
  fromCsvCells,
  fromJsonLine,
  guard,
  toCsvRow,
  toJsonLine,
  unguard,
} from '#shared/audit/export-format.ts';
import type { AuditEntry, AuditEvent } from '#shared/records.ts';

/**
 * Both export encodings must give back exactly the entry that was hashed, whatever its strings
 * hold, and a CSV cell must never start like a spreadsheet formula.
 */
const hostile = [
  '"',
  '""',
  ',',
  '\n',
  '\r\n',
  '\r',
  'a,"b"\r\nc',
  "=cmd|' /C calc'!A0",
  '=1+1',
  '+1',
  '-1',
  '@SUM(A1)',
  '\t=1',
  '\r=1',
  "'",
  "'=1",
  "''",
  '\u200f=1',
  '\u202e=HYPERLINK("x")',
  '\u2066',
  ' =1',
  '🚨',
  '👩🏽‍⚕️',
  'Zoë',
  '',
  '{}',
  '[1]',
  '０',
  '＝1',
];

const text = fc.oneof(
  fc.constantFrom(...hostile),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.tuple(fc.constantFrom(...hostile), fc.string({ unit: 'grapheme', maxLength: 6 }), fc.constantFrom(...hostile)).map((parts) => parts.join('')),
);
const key = text.filter((value) => value !== '__proto__');
const scalar = fc.oneof(text, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));

const event: fc.Arbitrary<AuditEvent> = fc.record(
  {
    action: text.filter((value) => value !== ''),
    actor: fc.record({ keyId: text, role: text, practiceId: text }, { requiredKeys: ['keyId', 'role'] }),
    targets: fc.dictionary(key, fc.oneof(text, fc.integer()), { maxKeys: 3 }),
    outcome: text,
    bookings: fc.array(
      fc.record(
        { ref: text, tokenKinds: fc.array(text, { maxLength: 4 }), tokens: fc.array(text, { maxLength: 4 }), result: text, confidence: text },
        { requiredKeys: ['tokenKinds', 'tokens', 'result'] },
      ),
      { maxLength: 3 },
    ),
    detail: fc.dictionary(key, fc.oneof(scalar, fc.boolean()), { maxKeys: 3 }),
  },
  { requiredKeys: ['action', 'actor', 'targets', 'outcome'] },
) as unknown as fc.Arbitrary<AuditEvent>;

const entry: fc.Arbitrary<AuditEntry> = fc
  .tuple(event, fc.integer({ min: 0, max: 2 ** 40 }), fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }))
  .map(([audited, seq, at]) => chainEntries(seq === 0 ? undefined : { seq, hash: 'a'.repeat(64), at: '2000-01-01T00:00:00Z' }, [audited], at)[0]!);

/** Splits text at arbitrary places, even inside a CRLF, a doubled quote or a surrogate pair. */
async function* chunked(textToSplit: string, cuts: number[]): AsyncGenerator<string> {
  let start = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (textToSplit.length + 1)))].sort((a, b) => a - b)) {
    yield textToSplit.slice(start, cut);
    start = cut;
  }
  yield textToSplit.slice(start);
}

async function readCsv(file: string, cuts: number[] = []): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  let header = true;
  for await (const record of csvRecords(chunked(file, cuts))) {
    if (header) {
      expect(record.cells).toEqual([...csvColumns]);
      header = false;
    } else out.push(fromCsvCells(record.cells));
  }
  return out;
}

const sample: AuditEntry[] = chainEntries(
  undefined,
  [
    { action: 'practice.created', actor: { keyId: 'key_admin', role: 'admin' }, targets: { practiceId: 'prc_1' }, outcome: 'success' },
    {
      action: 'check.performed',
      actor: { keyId: 'key_desk', role: 'practice', practiceId: 'prc_1' },
      targets: { checkId: 'chk_1' },
      outcome: 'match',
      bookings: [{ checkId: 'chk_1', tokenKinds: ['phone', 'name'], tokenDigests: ['digA', 'digB'], result: 'match', confidence: 'strong' }],
    },
    {
      action: 'audit.exported',
      actor: { keyId: 'key_counsel', role: 'auditor' },
      targets: { exportId: 'exp_1' },
      outcome: 'success',
      detail: { count: 2, format: 'csv', ok: true },
    },
  ],
  new Date('2026-11-21T19:04:05Z'),
);

describe('jsonl lines', () => {
  it('are the canonical JSON of the entry and parse back to an entry with the same hash', () => {
    for (const original of sample) {
      const line = toJsonLine(original);
      expect(line).not.toContain('\n');
      const parsed = fromJsonLine(line);
      expect(parsed).toEqual(original);
      const { hash, ...unhashed } = parsed;
      expect(entryHash(unhashed)).toBe(hash);
    }
  });

  it('refuse what is not an entry, naming the first bad field', () => {
    expect(() => fromJsonLine('{not json')).toThrow(new EntryFormatError('not JSON'));
    expect(() => fromJsonLine(JSON.stringify({ ...sample[0], seq: 0 }))).toThrow(/^seq: /);
    expect(() => fromJsonLine(JSON.stringify({ ...sample[0], hash: 'XYZ' }))).toThrow(/^hash: /);
    expect(() => fromJsonLine('{"type":"manifest"}')).toThrow('a manifest where an entry was expected');
  });
});

describe('csv rows', () => {
  it('have the fixed columns, and leave absent optional fields empty (not "null" or "[]")', () => {
    expect(csvHeader).toBe('seq,at,action,actorKeyId,actorRole,actorPracticeId,targets,outcome,bookings,detail,prevHash,hash,chain');
    const row = toCsvRow(sample[0]!);
    // An entry of the one chain of before has no chain name: the last cell is empty.
    expect(row).toBe(`1,2026-11-21T19:04:05Z,practice.created,key_admin,admin,,"{""practiceId"":""prc_1""}",success,,,${'0'.repeat(64)},${sample[0]!.hash},`);
  });

  it('carry the chain of an entry of many chains, and still read rows of the twelve columns of before', () => {
    const { hash: _hash, ...unhashed } = { ...sample[0]!, chain: 'c042' };
    const onChain = { ...unhashed, hash: entryHash(unhashed) };
    const row = toCsvRow(onChain);
    expect(row.endsWith(`,${onChain.hash},c042`)).toBe(true);
    const cells = row.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((cell) => (cell.startsWith('"') ? cell.slice(1, -1).replaceAll('""', '"') : cell));
    expect(fromCsvCells(cells)).toEqual(onChain);
    const legacy = toCsvRow(sample[0]!)
      .split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)
      .slice(0, 12)
      .map((cell) => (cell.startsWith('"') ? cell.slice(1, -1).replaceAll('""', '"') : cell));
    expect(fromCsvCells(legacy)).toEqual(sample[0]);
  });

  it('round-trip every entry exactly, hostile strings included, however the file is split into chunks (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), async (entries, cuts) => {
        const file = csvLine([...csvColumns]) + entries.map((e) => toCsvRow(e) + csvNewline).join('');
        const back = await readCsv(file, cuts);
        expect(back).toEqual(entries);
        for (const parsed of back) {
          const { hash, ...unhashed } = parsed;
          expect(entryHash(unhashed)).toBe(hash);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never let a cell start like a formula: anything but a letter, digit, { or [ first gets one apostrophe (property)', async () => {
    await fc.assert(
      fc.asyncProperty(entry, async (e) => {
        for await (const { cells } of csvRecords(chunked(toCsvRow(e) + csvNewline, []))) {
          for (const cell of cells) if (cell !== '') expect(cell).toMatch(/^[A-Za-z0-9{['"]/);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('guard the spreadsheet triggers, including behind invisible marks and spaces, and unguard them exactly', () => {
    for (const value of ['=cmd', '+1', '-1', '@x', '\tx', '\rx', ' =1', '\u200f=1', '\u202e=1', "'", '', '＝1']) {
      expect(guard(value)).toBe(`'${value}`);
      expect(unguard(guard(value))).toBe(value);
    }
    for (const value of ['alert.published', 'key_abc', '2026-11-21T19:04:05Z', '{"a":1}', '[]']) expect(guard(value)).toBe(value);
    expect(() => guard('\ud800')).toThrow(/lone surrogate/);
  });

  it('refuse an entry with a field no column holds, rather than export something that cannot verify', () => {
    expect(() => toCsvRow({ ...sample[0]!, extra: 1 } as AuditEntry)).toThrow('audit entry field "extra" has no CSV column');
    expect(() => toCsvRow({ ...sample[0]!, actor: { keyId: 'k', role: 'admin', name: 'x' } } as unknown as AuditEntry)).toThrow(/actor field "name"/);
  });

  it('refuse malformed records and files, saying why', async () => {
    const cells = (row: string) => row.split(',');
    expect(() => fromCsvCells(['1', '2'])).toThrow('has 2 cells, not 13');
    const good = toCsvRow(sample[0]!);
    expect(() => fromCsvCells(cells(good.replace(/^1,/, '01,')))).toThrow('seq is not a sequence number');
    const cellsOfGood: string[] = [];
    for await (const record of csvRecords(chunked(good, []))) cellsOfGood.push(...record.cells);
    expect(() => fromCsvCells(cellsOfGood.map((cell, i) => (i === csvColumns.indexOf('targets') ? '{nope' : cell)))).toThrow('targets is not JSON');
    expect(() => fromCsvCells(cellsOfGood.map((cell, i) => (i === csvColumns.indexOf('outcome') ? '' : cell)))).toThrow('outcome is empty');
    await expect(readCsv(`${csvHeader}\r\n1,"a"b\r\n`)).rejects.toThrow('line 2: text after a closing quote');
    await expect(readCsv(`${csvHeader}\r\n1,a"b\r\n`)).rejects.toThrow('line 2: a quote inside an unquoted cell');
    await expect(readCsv(`${csvHeader}\r\n1,"open\r\n`)).rejects.toThrow('line 2: the file ends inside a quoted cell');
  });

  it('count lines across quoted line breaks, so problems are reported where they are', async () => {
    const lines: number[] = [];
    for await (const record of csvRecords(chunked('a,"x\r\ny\nz"\r\nb,c\r\n', [3, 7]))) lines.push(record.line);
    expect(lines).toEqual([1, 4]);
  });
});
