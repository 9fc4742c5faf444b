/**
 * Counsel (auditor key): export a date range (every page followed, with progress), download it,
 * verify it here with WebCrypto (the verdict words of `npm run verify-export`), and "was this
 * person checked?": the subject's tokens from the API, looked for in the export in this tab.
 */
import { signal } from '@preact/signals';
import { useRef, useState } from 'preact/hooks';
import { ApiError, raw, typed } from '../api.ts';
import { onSignOut } from '../session.ts';
import { t } from '../text.ts';
import { download, ErrorNotice, fieldError, Input, Section, when } from '../ui.tsx';

interface ExportFile {
  readonly name: string;
  readonly text: string;
  readonly pages: number;
  readonly entries: number;
}

/** The last export of this tab (audit entries hold tokens and ids, never identifiers). */
const lastExport = signal<ExportFile | undefined>(undefined);
onSignOut(() => (lastExport.value = undefined));

const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

async function verificationKey() {
  return typed((client) => client.GET('/v1/audit/verification-key'));
}

export function AuditExport() {
  const [from, setFrom] = useState(daysAgo(30));
  const [to, setTo] = useState(today());
  const [pages, setPages] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [verdict, setVerdict] = useState<{ ok: boolean; text: string }>();
  const [verifying, setVerifying] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const c = t.counsel;
  const current = lastExport.value;

  const run = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setVerdict(undefined);
    setPages(0);
    try {
      const parts: string[] = [];
      let next: string | undefined = `/v1/audit/export?${new URLSearchParams({ from, to, format: 'jsonl' })}`;
      let count = 0;
      while (next) {
        const [path, search] = next.split('?') as [string, string | undefined];
        const answer = await raw('GET', path, { query: Object.fromEntries(new URLSearchParams(search ?? '')) });
        parts.push(answer.text.endsWith('\n') || answer.text === '' ? answer.text : `${answer.text}\n`);
        count += 1;
        setPages(count);
        next = /<([^>]+)>\s*;\s*rel="next"/.exec(answer.headers.get('link') ?? '')?.[1];
      }
      const text = parts.join('');
      const entries = text.split('\n').filter((line) => line && !line.includes('"type":"manifest"')).length;
      lastExport.value = { name: `peerguard-audit-${from}-to-${to}.jsonl`, text, pages: count, entries };
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const verify = async (text: string, name: string) => {
    setVerifying(true);
    setVerdict(undefined);
    setError(undefined);
    try {
      const [{ verifyExportText }, key] = await Promise.all([import('../lib/verify-export.ts'), verificationKey()]);
      const result = await verifyExportText(text, name, key);
      setVerdict({ ok: result.result.ok && result.result.signatureChecked, text: result.text });
    } catch (failure) {
      setError(failure);
    } finally {
      setVerifying(false);
    }
  };

  const verifyChosen = async () => {
    const file = fileInput.current?.files?.[0];
    if (file) await verify(await file.text(), file.name);
  };

  const errors = error instanceof ApiError ? error.errors : [];
  return (
    <Section title={c.exportTitle}>
      <p class="intro">{c.exportIntro}</p>
      <form onSubmit={run}>
        <div class="grid">
          <Input id="export-from" type="date" label={c.from} value={from} onInput={(e) => setFrom(e.currentTarget.value)} error={fieldError(errors, 'from')} />
          <Input id="export-to" type="date" label={c.to} value={to} onInput={(e) => setTo(e.currentTarget.value)} error={fieldError(errors, 'to')} />
        </div>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? c.exporting : c.export}
        </button>
      </form>
      {(busy || pages > 0) && (
        <p role="status" class="status">
          {c.pages(pages, busy)}
        </p>
      )}
      <ErrorNotice error={error} />
      {current && (
        <div class="card">
          <p>{c.ready(current.name, current.entries, current.pages)}</p>
          <div class="actions">
            <button type="button" onClick={() => download(current.name, current.text, 'application/x-ndjson')}>
              {c.download}
            </button>
            <button type="button" class="primary" disabled={verifying} onClick={() => void verify(current.text, current.name)}>
              {c.verify}
            </button>
          </div>
        </div>
      )}
      <h3>{c.verifyFileTitle}</h3>
      <div class="field">
        <label for="verify-file">{c.verifyFile}</label>
        <input id="verify-file" type="file" accept=".jsonl,application/x-ndjson" ref={fileInput} />
      </div>
      <button type="button" disabled={verifying} onClick={() => void verifyChosen()}>
        {c.verifyChosen}
      </button>
      {verifying && <p role="status">{c.verifying}</p>}
      {verdict && (
        <div class={`notice ${verdict.ok ? 'ok' : 'error'}`} role="status" data-testid="verdict">
          <p>
            <strong>{verdict.ok ? c.verified : c.failed}</strong>
          </p>
          <p class="mono">{verdict.text}</p>
        </div>
      )}
    </Section>
  );
}

interface Found {
  readonly at: string;
  readonly practiceId?: string;
  readonly result: string;
  readonly checkId: string;
}

export function SubjectSearch() {
  const form = useRef<HTMLFormElement>(null);
  const [found, setFound] = useState<Found[]>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const c = t.counsel;
  const current = lastExport.value;

  const search = async (event: Event) => {
    event.preventDefault();
    if (!current) return;
    const data = new FormData(form.current!);
    const subject: Record<string, string> = {};
    for (const name of ['fullName', 'dateOfBirth', 'phone', 'email']) {
      const value = String(data.get(`subject-${name}`) ?? '').trim();
      if (value) subject[name] = value;
    }
    setBusy(true);
    setError(undefined);
    setFound(undefined);
    try {
      const { tokens } = await typed((client) => client.POST('/v1/audit/subject-tokens', { body: { subject } }));
      form.current?.reset();
      const { verifyExportText } = await import('../lib/verify-export.ts');
      const result = await verifyExportText(
        current.text,
        current.name,
        undefined,
        tokens.map((token) => token.token),
      );
      const byCheck = new Map<string, Found>();
      for (const match of result.matches) {
        byCheck.set(match.booking.checkId, {
          at: match.entry.at,
          practiceId: match.entry.actor.practiceId,
          result: match.booking.confidence === 'possible' ? 'possible' : match.booking.result,
          checkId: match.booking.checkId,
        });
      }
      setFound([...byCheck.values()]);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const errors = error instanceof ApiError ? error.errors : [];
  return (
    <Section title={c.subjectTitle}>
      <p class="intro">{c.subjectIntro}</p>
      {!current && <p class="notice warn">{c.needExport}</p>}
      <form ref={form} onSubmit={search} autocomplete="off" novalidate>
        <div class="grid">
          <Input id="subject-fullName" label={t.screen.fullName} error={fieldError(errors, 'subject.fullName')} />
          <Input id="subject-dateOfBirth" type="date" label={t.screen.dateOfBirth} error={fieldError(errors, 'subject.dateOfBirth')} />
          <Input id="subject-phone" type="tel" label={t.screen.phone} error={fieldError(errors, 'subject.phone')} />
          <Input id="subject-email" type="email" label={t.screen.email} error={fieldError(errors, 'subject.email')} />
        </div>
        <button type="submit" class="primary" disabled={busy || !current}>
          {c.search}
        </button>
      </form>
      <ErrorNotice error={error} />
      {found && (
        <div aria-live="polite">
          <p class="status" data-testid="subject-found">
            {c.foundCount(found.length, current?.name ?? '')}
          </p>
          {found.length > 0 && (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{c.when}</th>
                    <th scope="col">{t.banner.practice}</th>
                    <th scope="col">{t.batch.colResult}</th>
                    <th scope="col">{t.screen.checkRef}</th>
                  </tr>
                </thead>
                <tbody>
                  {found.map((f) => (
                    <tr key={f.checkId}>
                      <td>{when(f.at)}</td>
                      <td>{f.practiceId ?? '—'}</td>
                      <td>{t.results[f.result as 'match'] ?? f.result}</td>
                      <td>
                        <code>{f.checkId}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
    </Section>
  );
}
