/**
 * Front desk: screen one booking. The inputs are uncontrolled: the identifiers exist only in the
 * form fields and in the one request's body, and the form is reset as soon as the answer comes.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, typed, type FieldError } from '../api.ts';
import { t } from '../text.ts';
import { ErrorNotice, fieldError, Input, Section } from '../ui.tsx';
import { ResultPanel, type CheckResult } from './check-result.tsx';
import { UpcomingMatches } from './upcoming-matches.tsx';

const subjectFields = ['fullName', 'dateOfBirth', 'phone', 'email'] as const;

export function ScreenBooking() {
  const form = useRef<HTMLFormElement>(null);
  const resultRef = useRef<HTMLDivElement>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<CheckResult>();
  const [error, setError] = useState<unknown>();
  const [errors, setErrors] = useState<readonly FieldError[]>([]);
  const [wait, setWait] = useState(0);
  useEffect(() => {
    if (wait <= 0) return;
    const timer = setTimeout(() => setWait((left) => left - 1), 1000);
    return () => clearTimeout(timer);
  }, [wait]);

  const submit = async (event: Event) => {
    event.preventDefault();
    const data = new FormData(form.current!);
    const subject: Record<string, string> = {};
    for (const name of subjectFields) {
      const value = String(data.get(name) ?? '').trim();
      if (value) subject[name] = value;
    }
    setResult(undefined);
    if (!subject.fullName && !subject.phone && !subject.email) {
      setError(undefined);
      setErrors([{ path: 'subject', message: t.screen.needOne }]);
      return;
    }
    setBusy(true);
    setError(undefined);
    setErrors([]);
    try {
      const answer: CheckResult = await typed((client) => client.POST('/v1/checks', { body: { subject } }));
      form.current?.reset();
      setResult(answer);
      requestAnimationFrame(() => resultRef.current?.focus());
    } catch (failure) {
      setError(failure);
      setErrors(failure instanceof ApiError ? failure.errors : []);
      if (failure instanceof ApiError && failure.status === 429) setWait(failure.retryAfter ?? 60);
    } finally {
      setBusy(false);
    }
  };

  const formError = fieldError(errors, 'subject') ?? fieldError(errors, '(body)');
  return (
    <Section title={t.screen.title}>
      <p class="intro">{t.screen.intro}</p>
      <form ref={form} onSubmit={submit} autocomplete="off" novalidate>
        <div class="grid">
          <Input id="fullName" label={t.screen.fullName} autocomplete="off" spellcheck={false} error={fieldError(errors, 'subject.fullName')} />
          <Input id="dateOfBirth" type="date" label={t.screen.dateOfBirth} autocomplete="off" error={fieldError(errors, 'subject.dateOfBirth')} />
          <Input id="phone" type="tel" label={t.screen.phone} hint={t.screen.phoneHint} autocomplete="off" error={fieldError(errors, 'subject.phone')} />
          <Input id="email" type="email" label={t.screen.email} autocomplete="off" spellcheck={false} error={fieldError(errors, 'subject.email')} />
        </div>
        {formError && (
          <p class="error-text" id="subject-error" role="alert">
            {formError}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy || wait > 0}>
          {busy ? t.screen.working : t.screen.submit}
        </button>
        {wait > 0 && <p class="hint">{t.screen.againIn(wait)}</p>}
      </form>
      <ErrorNotice error={error} />
      {result && (
        <div ref={resultRef} tabIndex={-1} class="result-wrap" aria-live="polite">
          <ResultPanel result={result} />
          <p class="hint">{t.screen.cleared}</p>
        </div>
      )}
      <UpcomingMatches />
    </Section>
  );
}
