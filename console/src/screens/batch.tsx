/**
 * Front desk: screen a CSV of bookings, 100 at a time. Rows the API refuses are set aside with
 * the field and the reason and the rest of their chunk is sent again; a 429 waits as long as
 * Retry-After says. The parsed rows (identifiers) are dropped when the run ends; the results
 * and the downloadable CSV hold refs and results only.
 */
import { useRef, useState } from 'preact/hooks';
import { ApiError, typed } from '../api.ts';
import { csvLine, parseCsv } from '../lib/csv.ts';
import { t } from '../text.ts';
import { download, ErrorNotice, Section } from '../ui.tsx';
import { verdictOf, type CheckResult, type Verdict } from './check-result.tsx';

const columns = ['ref', 'fullName', 'dateOfBirth', 'phone', 'email'] as const;
const aliases: Record<string, (typeof columns)[number]> = {
  name: 'fullName',
  fullname: 'fullName',
  dob: 'dateOfBirth',
  dateofbirth: 'dateOfBirth',
  'e-mail': 'email',
};
const refPattern = /^[A-Za-z0-9._:#/-]{1,64}$/;
const chunkSize = 100;

interface Booking {
  readonly ref: string;
  readonly line: number;
  readonly subject: Record<string, string>;
}
interface Row {
  readonly ref: string;
  readonly verdict: Verdict;
  readonly alerts: string;
}
interface Refusal {
  readonly ref: string;
  readonly line: number;
  readonly field: string;
  readonly reason: string;
}

const templateCsv = `${columns.join(',')}\nB-1001,Jane Example,1980-02-29,+1 860 555 0100,jane@example.org\nB-1002,,,,someone@example.org\n`;

export function readBookings(text: string): { bookings: Booking[]; refused: Refusal[] } | { error: string } {
  const rows = parseCsv(text);
  const header = rows.shift();
  if (!header) return { error: t.batch.empty };
  const index = new Map<string, number>();
  header.forEach((name, i) => {
    const key = name.trim().toLowerCase();
    const column = columns.find((c) => c.toLowerCase() === key) ?? aliases[key];
    if (column && !index.has(column)) index.set(column, i);
  });
  if (!index.has('ref')) return { error: t.batch.badHeader('ref') };
  if (rows.length === 0) return { error: t.batch.empty };
  const bookings: Booking[] = [];
  const refused: Refusal[] = [];
  const seen = new Set<string>();
  rows.forEach((cells, i) => {
    const line = i + 2;
    const value = (column: string) => (index.has(column) ? (cells[index.get(column)!] ?? '').trim() : '');
    const ref = value('ref');
    const subject: Record<string, string> = {};
    for (const column of columns.slice(1)) if (value(column)) subject[column] = value(column);
    const shownRef = refPattern.test(ref) ? ref : `(line ${line})`;
    if (!refPattern.test(ref)) refused.push({ ref: shownRef, line, field: t.label.field('ref'), reason: t.batch.badRef });
    else if (seen.has(ref)) refused.push({ ref, line, field: t.label.field('ref'), reason: t.batch.duplicateRef });
    else if (!subject.fullName && !subject.phone && !subject.email) refused.push({ ref, line, field: t.label.field('subject'), reason: t.batch.noIdentifier });
    else {
      seen.add(ref);
      bookings.push({ ref, line, subject });
    }
  });
  return { bookings, refused };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((done) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), done()), { once: true });
  });

export function Batch() {
  const fileInput = useRef<HTMLInputElement>(null);
  const [running, setRunning] = useState<AbortController>();
  const [total, setTotal] = useState(0);
  const [done, setDone] = useState(0);
  const [rows, setRows] = useState<Row[]>([]);
  const [refused, setRefused] = useState<Refusal[]>([]);
  const [waiting, setWaiting] = useState(0);
  const [status, setStatus] = useState('');
  const [error, setError] = useState<unknown>();
  const [showAll, setShowAll] = useState(false);

  const start = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    const file = fileInput.current?.files?.[0];
    if (!file) {
      setError(new ApiError(400, t.batch.noFile, ''));
      return;
    }
    const read = readBookings(await file.text());
    if (fileInput.current) fileInput.current.value = '';
    if ('error' in read) {
      setError(new ApiError(400, read.error, ''));
      return;
    }
    const controller = new AbortController();
    setRunning(controller);
    const allRefused = [...read.refused];
    setRows([]);
    setShowAll(false);
    setRefused(allRefused);
    setTotal(read.bookings.length + read.refused.length);
    setDone(read.refused.length);
    setStatus('');
    let handled = read.refused.length;
    const chunks: Booking[][] = [];
    for (let i = 0; i < read.bookings.length; i += chunkSize) chunks.push(read.bookings.slice(i, i + chunkSize));
    const byChunk: Row[][] = [];
    const show = () => {
      setRows(byChunk.flat());
      setRefused([...allRefused]);
      setDone(handled);
    };

    /** One chunk to the end: a 429 is waited out, refused rows are set aside and the rest sent again. */
    const screenChunk = async (index: number) => {
      let chunk = chunks[index]!;
      while (chunk.length > 0 && !controller.signal.aborted) {
        try {
          const answer: { results: (CheckResult & { ref: string })[] } = await typed((client) =>
            client.POST('/v1/checks/batch', { body: { bookings: chunk.map(({ ref, subject }) => ({ ref, subject })) }, signal: controller.signal }),
          );
          byChunk[index] = answer.results.map((result) => ({
            ref: result.ref,
            verdict: verdictOf(result),
            alerts: (result.alerts ?? []).map((a) => `${t.label.category(a.category)} (${t.label.severity(a.severity)})`).join('; '),
          }));
          handled += chunk.length;
          chunk = [];
        } catch (failure) {
          if (failure instanceof ApiError && failure.status === 429) {
            for (let left = failure.retryAfter ?? 30; left > 0 && !controller.signal.aborted; left -= 1) {
              setWaiting(left);
              await sleep(1000, controller.signal);
            }
            setWaiting(0);
            continue;
          }
          if (!(failure instanceof ApiError) || failure.status !== 400) throw failure;
          const bad = new Map<number, Refusal>();
          for (const e of failure.errors) {
            const found = /^bookings\.(\d+)\.(.+)$/.exec(e.path);
            const booking = found ? chunk[Number(found[1])] : undefined;
            if (!found || !booking || bad.has(Number(found[1]))) continue;
            bad.set(Number(found[1]), { ref: booking.ref, line: booking.line, field: t.label.field(found[2]!.replace(/^subject\./, '')), reason: e.message });
          }
          if (bad.size === 0) throw failure;
          allRefused.push(...bad.values());
          allRefused.sort((a, b) => a.line - b.line);
          handled += bad.size;
          chunk = chunk.filter((_, i) => !bad.has(i));
        }
        show();
      }
      show();
    };

    // Two chunks in flight: the server works on one while the answer to the other travels.
    let next = 0;
    const worker = async () => {
      while (next < chunks.length && !controller.signal.aborted) await screenChunk(next++);
    };
    try {
      await Promise.all([worker(), worker()]);
      setStatus(controller.signal.aborted ? t.batch.stopped : t.batch.done(handled));
    } catch (failure) {
      controller.abort();
      if (!(failure instanceof DOMException)) setError(failure);
      setStatus(t.batch.stopped);
    } finally {
      show();
      setRunning(undefined);
      setWaiting(0);
    }
  };

  const matches = rows.filter((row) => row.verdict === 'match').length;
  // Matches first, then possible matches, then the rest (the first 20 of them unless asked).
  const rank: Record<Verdict, number> = { match: 0, possible: 1, no_match: 2 };
  const ordered = [...rows].sort((a, b) => rank[a.verdict] - rank[b.verdict]);
  const hiddenCount = showAll ? 0 : Math.max(0, ordered.filter((row) => row.verdict === 'no_match').length - 20);
  const shown = hiddenCount > 0 ? ordered.slice(0, ordered.length - hiddenCount) : ordered;
  const possible = rows.filter((row) => row.verdict === 'possible').length;
  const resultsCsv = () =>
    `${[
      csvLine(['ref', 'result', 'alerts']),
      ...rows.map((row) => csvLine([row.ref, row.verdict, row.alerts])),
      ...refused.map((row) => csvLine([row.ref, 'refused', `${row.field}: ${row.reason}`])),
    ].join('\r\n')}\r\n`;

  return (
    <Section title={t.batch.title}>
      <p class="intro">{t.batch.intro}</p>
      <p>
        <button type="button" class="link" onClick={() => download('peerguard-bookings-template.csv', templateCsv, 'text/csv')}>
          {t.batch.template}
        </button>
      </p>
      <form onSubmit={start}>
        <div class="field">
          <label for="batch-file">{t.batch.fileLabel}</label>
          <input id="batch-file" type="file" accept=".csv,text/csv" ref={fileInput} disabled={Boolean(running)} />
        </div>
        <div class="actions">
          <button type="submit" class="primary" disabled={Boolean(running)}>
            {t.batch.start}
          </button>
          {running && (
            <button type="button" onClick={() => running.abort()}>
              {t.batch.cancel}
            </button>
          )}
        </div>
      </form>
      <ErrorNotice error={error} />
      {total > 0 && (
        <div class="progress" aria-live="polite">
          <label for="batch-progress">{t.batch.progress(done, total)}</label>
          <progress id="batch-progress" max={total} value={done} />
          <p>{t.batch.counts(matches, possible, refused.length)}</p>
          {waiting > 0 && <p class="notice warn">{t.batch.waiting(waiting)}</p>}
          {status && <p class="status">{status}</p>}
        </div>
      )}
      {refused.length > 0 && (
        <section aria-labelledby="refused-title">
          <h3 id="refused-title">{t.batch.refusedTitle}</h3>
          <p>{t.batch.refusedIntro}</p>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t.batch.colLine}</th>
                  <th scope="col">{t.batch.colRef}</th>
                  <th scope="col">{t.batch.colField}</th>
                  <th scope="col">{t.batch.colReason}</th>
                </tr>
              </thead>
              <tbody>
                {refused.map((row) => (
                  <tr key={`${row.line}`}>
                    <td>{row.line}</td>
                    <td>{row.ref}</td>
                    <td>{row.field}</td>
                    <td>{row.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      {rows.length > 0 && (
        <section aria-labelledby="results-title">
          <h3 id="results-title">{t.batch.resultsTitle}</h3>
          {!running && (
            <p>
              <button type="button" onClick={() => download('peerguard-screening-results.csv', resultsCsv(), 'text/csv')}>
                {t.batch.download}
              </button>
            </p>
          )}
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t.batch.colRef}</th>
                  <th scope="col">{t.batch.colResult}</th>
                  <th scope="col">{t.batch.colAlerts}</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((row) => (
                  <tr key={row.ref} class={`row-${row.verdict}`}>
                    <td>{row.ref}</td>
                    <td>
                      <span class={`pill pill-${row.verdict}`}>{t.results[row.verdict]}</span>
                    </td>
                    <td>{row.alerts}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {hiddenCount > 0 && (
            <button type="button" onClick={() => setShowAll(true)}>
              {t.batch.showAll(hiddenCount)}
            </button>
          )}
        </section>
      )}
    </Section>
  );
}
