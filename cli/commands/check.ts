/**
 * `check` (one booking) and `check-batch` (a CSV of bookings, in chunks through the batch
 * route). Identifiers go to the API and nowhere else: not to stdout, stderr or the results file.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { rename } from 'node:fs/promises';
import { stringOption, UsageError } from '../args.ts';
import { PeerguardProblem, type CheckResult } from '../api.ts';
import { parseBookings, resultColumns, resultRow, type Booking, type BookingResult } from '../bookings.ts';
import type { Command, Context } from '../command.ts';
import { CsvError, csvRow } from '../csv.ts';
import { exitCodes } from '../exit-codes.ts';
import { forceOption, outputPath, readInput } from '../files.ts';
import { progress } from '../progress.ts';
import { readSubject, subjectOptions } from '../subject.ts';
import { batchCheckSchema, maxBatchBookings } from '#shared/schemas.ts';
import { isRealDate } from '#shared/dates.ts';

function bookingOn(context: Context): string | undefined {
  const value = stringOption(context.values, 'booking-on');
  if (value !== undefined && !isRealDate(value)) throw new UsageError('--booking-on must be a real date written YYYY-MM-DD.');
  return value;
}

/** The answer of one check in sentences, without any identifier. */
function describeCheck(result: CheckResult): string[] {
  if (result.result === 'no_match') return [`No match. (check ${result.checkId})`];
  const alerts = (result.alerts ?? []).map((alert) => `  - ${alert.category}, severity ${alert.severity}, published ${alert.publishedOn}`);
  const practices = result.reportingPractices ?? 0;
  return [
    `MATCH (${result.confidence ?? 'unknown'} confidence, on ${(result.matchedOn ?? []).join(', ') || 'unknown'}): ${alerts.length} published alert${alerts.length === 1 ? '' : 's'} from ${practices} practice${practices === 1 ? '' : 's'}. (check ${result.checkId})`,
    ...alerts,
    ...(result.guidance ? [`Guidance: ${result.guidance}`] : []),
  ];
}

export const check: Command = {
  name: 'check',
  summary: 'screen one booking against the published alerts',
  usage: '[--name NAME] [--dob YYYY-MM-DD] [--phone PHONE] [--email EMAIL] | --subject-file FILE|-',
  positionals: 0,
  options: { ...subjectOptions, 'booking-on': { type: 'string', value: 'YYYY-MM-DD', description: "the booking's date (optional)" } },
  server: true,
  examples: ['peerguard check --phone "(860) 555-0100"', 'peerguard check --subject-file - < client.txt     # identifiers kept out of shell history'],
  details: ['Needs a practice key. Exit code 0 means no match, 4 a match. The identifiers are never printed.'],
  async run(context) {
    const subject = await readSubject(context.values, context.io);
    const on = bookingOn(context);
    const api = await context.api();
    const result = await api.check(subject, on);
    context.report(result, describeCheck(result));
    return result.result === 'match' ? exitCodes.match : exitCodes.ok;
  },
};

/** Validates every booking before any is sent, as the server would (a chunk refused halfway would leave a half-screened file). */
function validateBookings(bookings: readonly Booking[], phoneRegion: string): void {
  for (let start = 0; start < bookings.length; start += maxBatchBookings) {
    const chunk = bookings.slice(start, start + maxBatchBookings);
    const parsed = batchCheckSchema(phoneRegion).safeParse({ bookings: chunk.map(({ ref, subject }) => ({ ref, subject })) });
    if (parsed.success) continue;
    const lines = parsed.error.issues.slice(0, 10).map((issue) => {
      const [, index, ...rest] = issue.path;
      const booking = typeof index === 'number' ? chunk[index] : undefined;
      const column = rest[0] === 'subject' ? (rest[1] === undefined ? 'identifiers' : csvColumn(String(rest[1]))) : String(rest[0] ?? 'row');
      return booking ? `line ${booking.line}, ${column}: ${issue.message}` : issue.message;
    });
    throw new UsageError(`The bookings file has rows the API would refuse (nothing was screened):\n  ${lines.join('\n  ')}`);
  }
}

const csvColumn = (field: string): string => ({ fullName: 'name', dateOfBirth: 'dob' })[field] ?? field;

export const checkBatch: Command = {
  name: 'check-batch',
  summary: 'screen a CSV file of bookings (ref,name,dob,phone,email) and write the results to a CSV file',
  usage: '<bookings.csv> --out <results.csv>',
  positionals: 1,
  options: {
    out: {
      type: 'string',
      value: 'FILE',
      description: 'where to write the results (ref, result, confidence, matched_on, alerts, reporting_practices, check_id)',
    },
    force: forceOption,
    'booking-on': { type: 'string', value: 'YYYY-MM-DD', description: 'the date of every booking in the file (optional)' },
    'chunk-size': { type: 'string', value: 'N', description: `bookings per request, 1 to ${maxBatchBookings} (default ${maxBatchBookings})` },
    'phone-region': {
      type: 'string',
      value: 'CC',
      description: "region of phone numbers written without a country code, for the check before sending (default US, as the server's PHONE_DEFAULT_REGION)",
    },
    'max-wait': { type: 'string', value: 'SECONDS', description: 'wait at most this long for the per-minute screening quota before giving up (default 90)' },
  },
  server: true,
  examples: ['peerguard check-batch bookings.csv --out results.csv'],
  details: [
    'The file needs a header row naming its columns: ref (your booking reference), and any of name, dob, phone, email.',
    'Every row is checked before anything is sent. The results file holds refs and results only, never an identifier;',
    'it is written as <out>.partial and renamed when every booking has been screened. Exit code 0: no match, 4: at least one.',
  ],
  async run(context) {
    if (context.positionals.length !== 1) throw new UsageError('Give one bookings file: peerguard check-batch bookings.csv --out results.csv');
    const chunkSize = integerOption(context, 'chunk-size', maxBatchBookings, 1, maxBatchBookings);
    const maxWait = integerOption(context, 'max-wait', 90, 0, 3600);
    const on = bookingOn(context);
    const out = outputPath(context.values, context.io, 'the results');
    let bookings: Booking[];
    try {
      bookings = parseBookings(await readInput(context.io, context.positionals[0]!, 'the bookings file'));
    } catch (error) {
      if (error instanceof CsvError) throw new UsageError(`The bookings file cannot be read: ${error.message}.`);
      throw error;
    }
    validateBookings(bookings, stringOption(context.values, 'phone-region') ?? 'US');
    const api = await context.api();

    const partial = `${out}.partial`;
    const file = createWriteStream(partial, { mode: 0o644 });
    file.write(`${csvRow(resultColumns)}\n`);
    const bar = progress(context.io, 'bookings screened');
    const results: BookingResult[] = [];
    let matches = 0;
    try {
      bar.update(0, bookings.length);
      for (let start = 0; start < bookings.length; start += chunkSize) {
        const chunk = bookings.slice(start, start + chunkSize).map(({ ref, subject }) => ({ ref, subject, ...(on ? { bookingOn: on } : {}) }));
        const answer = await withQuotaWaits(context, maxWait, () => api.checkBatch(chunk));
        for (const result of answer.results) {
          results.push(result);
          if (result.result === 'match') matches += 1;
          file.write(`${resultRow(result)}\n`);
        }
        bar.update(results.length, bookings.length, matches > 0 ? `(${matches} match${matches === 1 ? '' : 'es'})` : '');
      }
    } catch (error) {
      bar.finish();
      file.end();
      await once(file, 'finish');
      if (results.length > 0)
        context.note(`Stopped after ${results.length} of ${bookings.length} bookings: their results are in ${partial}; the others were not screened.`);
      throw error;
    }
    bar.finish();
    file.end();
    await once(file, 'finish');
    await rename(partial, out);
    context.report({ screened: results.length, matches, out, results }, [
      `Screened ${results.length} booking${results.length === 1 ? '' : 's'}: ${matches === 0 ? 'no match' : `${matches} MATCH${matches === 1 ? '' : 'ES'}`}. Results: ${context.values.out as string}`,
      ...results
        .filter((result) => result.result === 'match')
        .map((result) => `  ${result.ref}: match (${result.confidence}) on ${(result.matchedOn ?? []).join(', ')}`),
    ]);
    return matches > 0 ? exitCodes.match : exitCodes.ok;
  },
};

function integerOption(context: Context, name: string, fallback: number, min: number, max: number): number {
  const text = stringOption(context.values, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}.`);
  return value;
}

/** Retries a request refused by the per-minute quota after Retry-After, while that is within maxWait seconds in all. */
async function withQuotaWaits<T>(context: Context, maxWait: number, send: () => Promise<T>): Promise<T> {
  let waited = 0;
  for (;;) {
    try {
      return await send();
    } catch (error) {
      const wait = error instanceof PeerguardProblem && error.status === 429 ? error.retryAfter : undefined;
      if (wait === undefined || waited + wait > maxWait) throw error;
      context.note(`The practice's screening quota is used up for this minute; waiting ${wait} s.`);
      await new Promise((done) => setTimeout(done, wait * 1000));
      waited += wait;
    }
  }
}
