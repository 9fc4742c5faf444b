/**
 * CSV as RFC 4180 writes it (quoted fields may hold commas, quotes and line breaks; a UTF-8
 * byte-order mark is dropped), read into records that remember their line, so an error can
 * name the line without repeating what is on it.
 */
export interface CsvRecord {
  /** The 1-based line the record starts on. */
  readonly line: number;
  readonly cells: readonly string[];
}

export class CsvError extends Error {
  override readonly name = 'CsvError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** Parses CSV text; blank lines are skipped. Never puts a cell's content in an error. */
export function parseCsv(text: string): CsvRecord[] {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  while (i < source.length) {
    const start = line;
    const cells: string[] = [];
    let cell = '';
    let atRecordEnd = false;
    while (!atRecordEnd) {
      if (source[i] === '"') {
        i += 1;
        for (;;) {
          if (i >= source.length) throw new CsvError(start, 'a quoted field is never closed');
          const char = source[i]!;
          if (char === '"') {
            if (source[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i += 1;
            break;
          }
          if (char === '\n') line += 1;
          cell += char;
          i += 1;
        }
        const after = source[i];
        if (after !== undefined && after !== ',' && after !== '\n' && after !== '\r') throw new CsvError(line, 'a closing quote must end its field');
      } else {
        while (i < source.length && source[i] !== ',' && source[i] !== '\n' && source[i] !== '\r') {
          if (source[i] === '"') throw new CsvError(line, 'a quote inside an unquoted field (quote the whole field and double the quote)');
          cell += source[i];
          i += 1;
        }
      }
      cells.push(cell);
      cell = '';
      if (source[i] === ',') {
        i += 1;
        continue;
      }
      if (source[i] === '\r') i += 1;
      if (source[i] === '\n') i += 1;
      line += 1;
      atRecordEnd = true;
    }
    if (!(cells.length === 1 && cells[0] === '')) records.push({ line: start, cells });
  }
  return records;
}

/** One CSV line (without its newline), quoting only the cells that need it. */
export function csvRow(cells: readonly (string | number | undefined)[]): string {
  return cells
    .map((cell) => {
      const text = cell === undefined ? '' : String(cell);
      return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
    })
    .join(',');
}
