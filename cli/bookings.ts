/**
 * The bookings file of `check-batch`: CSV with a header row naming the columns ref, name, dob,
 * phone and email (any order, any case; `fullName` and `dateOfBirth` are accepted too), one
 * booking a row, empty cells left out. Errors name lines and columns, never a cell's value.
 * The results file holds refs and results only.
 */
import { CsvError, csvRow, parseCsv } from './csv.ts';

export interface SubjectFields {
  fullName?: string;
  dateOfBirth?: string;
  phone?: string;
  email?: string;
}

export interface Booking {
  readonly line: number;
  readonly ref: string;
  readonly subject: SubjectFields;
}

/** The names a person may give each identifier (lower case, without spaces, _ or -): in subject files and CSV headers alike. */
export const fieldNames: Readonly<Record<string, keyof SubjectFields>> = {
  name: 'fullName',
  fullname: 'fullName',
  dob: 'dateOfBirth',
  dateofbirth: 'dateOfBirth',
  phone: 'phone',
  email: 'email',
};

const columnNames: Readonly<Record<string, 'ref' | keyof SubjectFields>> = { ref: 'ref', ...fieldNames };

export function parseBookings(text: string): Booking[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new CsvError(1, 'the file is empty: it needs a header row (ref,name,dob,phone,email) and one row per booking');
  const fields = header.cells.map((cell, column) => {
    const field =
      columnNames[
        cell
          .trim()
          .toLowerCase()
          .replace(/[\s_-]/g, '')
      ];
    if (!field) throw new CsvError(header.line, `column ${column + 1} of the header is not one of ref, name, dob, phone, email`);
    return field;
  });
  const seenFields = new Set<string>();
  for (const field of fields) {
    if (seenFields.has(field)) throw new CsvError(header.line, `the header names the ${field} column twice`);
    seenFields.add(field);
  }
  if (!seenFields.has('ref')) throw new CsvError(header.line, 'the header has no ref column');
  if (rows.length === 0) throw new CsvError(header.line, 'the file has a header but no bookings');
  const refs = new Map<string, number>();
  return rows.map(({ line, cells }) => {
    if (cells.length !== fields.length) throw new CsvError(line, `has ${cells.length} cells where the header has ${fields.length}`);
    let ref = '';
    const subject: SubjectFields = {};
    fields.forEach((field, column) => {
      const value = cells[column]!.trim();
      if (field === 'ref') ref = value;
      else if (value !== '') subject[field] = value;
    });
    if (ref === '') throw new CsvError(line, 'has no ref');
    const first = refs.get(ref);
    if (first !== undefined) throw new CsvError(line, `repeats the ref of line ${first}`);
    refs.set(ref, line);
    return { line, ref, subject };
  });
}

/** One screening result as the results file and --json report it: refs and results, no identifiers. */
export interface BookingResult {
  readonly ref: string;
  readonly checkId: string;
  readonly result: 'match' | 'no_match';
  readonly confidence?: string;
  readonly matchedOn?: readonly string[];
  readonly alerts?: readonly { category: string; severity: string; publishedOn: string }[];
  readonly reportingPractices?: number;
}

export const resultColumns = ['ref', 'result', 'confidence', 'matched_on', 'alerts', 'reporting_practices', 'check_id'] as const;

export function resultRow(result: BookingResult): string {
  return csvRow([
    result.ref,
    result.result,
    result.confidence,
    result.matchedOn?.join(' '),
    result.alerts?.map((alert) => `${alert.category}/${alert.severity}/${alert.publishedOn}`).join(' '),
    result.reportingPractices,
    result.checkId,
  ]);
}
