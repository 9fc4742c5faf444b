import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CsvError, csvRow, parseCsv } from '../../cli/csv.ts';
import { parseBookings, resultColumns, resultRow } from '../../cli/bookings.ts';

describe('CSV reading and writing (the CLI)', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, CRLF, a BOM, and skips blank lines', () => {
    const text = '\uFEFFref,name\r\nbk-1,"Sample, John ""JQ"""\r\n\r\nbk-2,"two\nlines"\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, cells: ['ref', 'name'] },
      { line: 2, cells: ['bk-1', 'Sample, John "JQ"'] },
      { line: 4, cells: ['bk-2', 'two\nlines'] },
    ]);
  });

  it('keeps empty cells, and reads a last line without a newline', () => {
    expect(parseCsv('a,,c\n,,')).toEqual([
      { line: 1, cells: ['a', '', 'c'] },
      { line: 2, cells: ['', '', ''] },
    ]);
  });

  it('names the line of an unclosed quote or a stray quote, without the cell', () => {
    expect(() => parseCsv('ref,name\nbk-1,"Secret Name\n')).toThrow(new CsvError(2, 'a quoted field is never closed'));
    expect(() => parseCsv('ref,name\nbk-1,Secret "Name"\n')).toThrow(/^line 2: a quote inside an unquoted field/);
    expect(() => parseCsv('ref,name\nbk-1,"Secret"Name\n')).toThrow(/^line 2: a closing quote must end its field/);
    try {
      parseCsv('ref,name\nbk-1,"Secret Name\n');
    } catch (error) {
      expect((error as Error).message).not.toContain('Secret');
    }
  });

  it('writes what it reads back (any cells, property)', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', '"', '\n', '\r\n', 'é', '-', '=') });
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 5 }), (rows) => {
        const width = rows[0]!.length;
        const table = rows.map((row) => Array.from({ length: width }, (_, i) => row[i] ?? 'x'));
        const text = table.map((row) => `${csvRow(row)}\n`).join('');
        expect(parseCsv(text).map((record) => record.cells)).toEqual(table);
      }),
    );
  });
});

describe('the bookings file of check-batch', () => {
  it('maps the columns by header name, in any order and case, and leaves empty cells out', () => {
    const bookings = parseBookings('Email,REF,Phone,name,DOB\njq@example.org,bk-1,,,\n,bk-2,(860) 555-0100,John Q. Sample,1980-02-29\n');
    expect(bookings).toEqual([
      { line: 2, ref: 'bk-1', subject: { email: 'jq@example.org' } },
      { line: 3, ref: 'bk-2', subject: { phone: '(860) 555-0100', fullName: 'John Q. Sample', dateOfBirth: '1980-02-29' } },
    ]);
    expect(parseBookings('ref,fullName,dateOfBirth\nbk-1,A B,1990-01-01\n')[0]!.subject).toEqual({ fullName: 'A B', dateOfBirth: '1990-01-01' });
  });

  it.each([
    ['', /line 1: the file is empty/],
    ['ref,name,phone\n', /line 1: the file has a header but no bookings/],
    ['name,phone\nJohn,1\n', /line 1: the header has no ref column/],
    ['ref,name,surname\nbk-1,John,Smith\n', /line 1: column 3 of the header is not one of ref, name, dob, phone, email/],
    ['ref,phone,phone\nbk-1,1,2\n', /line 1: the header names the phone column twice/],
    ['ref,name\nbk-1,John\nbk-2\n', /line 3: has 1 cells where the header has 2/],
    ['ref,name\n,John\n', /line 2: has no ref/],
    ['ref,name\nbk-1,John\nbk-1,Jane\n', /line 3: repeats the ref of line 2/],
  ])('refuses %j, naming the line and never a cell', (text, message) => {
    expect(() => parseBookings(text)).toThrow(message);
    try {
      parseBookings(text);
    } catch (error) {
      for (const secret of ['John', 'Jane', 'Smith']) expect((error as Error).message).not.toContain(secret);
    }
  });

  it('writes results as refs and results only', () => {
    expect(resultColumns.join(',')).toBe('ref,result,confidence,matched_on,alerts,reporting_practices,check_id');
    expect(resultRow({ ref: 'bk-1', checkId: 'chk_1', result: 'no_match' })).toBe('bk-1,no_match,,,,,chk_1');
    expect(
      resultRow({
        ref: 'bk-2',
        checkId: 'chk_2',
        result: 'match',
        confidence: 'strong',
        matchedOn: ['phone', 'email'],
        alerts: [
          { category: 'harassment', severity: 'low', publishedOn: '2026-11-01' },
          { category: 'sexual_misconduct', severity: 'high', publishedOn: '2026-11-05' },
        ],
        reportingPractices: 2,
      }),
    ).toBe('bk-2,match,strong,phone email,harassment/low/2026-11-01 sexual_misconduct/high/2026-11-05,2,chk_2');
  });
});
