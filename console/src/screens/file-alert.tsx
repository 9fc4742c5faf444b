/**
 * Practice: file an alert as a guided incident record. The client's identifiers are asked for
 * once, turned into tokens by the API, and cleared from memory after the submission; the intake
 * form is hashed here (WebCrypto) and never leaves the machine. A review step shows exactly what
 * reviewers and what screening practices will see before anything is sent.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, typed, type FieldError } from '../api.ts';
import { filedHere } from '../filed.ts';
import { sha256OfFile } from '../lib/sha256-file.ts';
import type { paths } from '../../../client/peerguard-client.ts';
import { t } from '../text.ts';
import { download, ErrorNotice, Field, fieldError, Input, Section, Select, TextArea } from '../ui.tsx';

interface Clause {
  readonly clauseId: string;
  readonly version: number;
  readonly sha256: string;
  readonly text: string;
  readonly jurisdiction?: string;
}

interface Draft {
  fullName: string;
  dateOfBirth: string;
  phone: string;
  email: string;
  occurredOn: string;
  time: string;
  category: string;
  severity: string;
  whatHappened: string;
  whatWasSaid: string;
  demeanour: string;
  witnesses: string;
  actionsTaken: string;
  clause: string;
  signedOn: string;
  method: string;
  documentName: string;
  documentSha256: string;
}

const empty: Draft = {
  fullName: '',
  dateOfBirth: '',
  phone: '',
  email: '',
  occurredOn: '',
  time: '',
  category: '',
  severity: '',
  whatHappened: '',
  whatWasSaid: '',
  demeanour: '',
  witnesses: '',
  actionsTaken: '',
  clause: '',
  signedOn: '',
  method: 'e_signature',
  documentName: '',
  documentSha256: '',
};

const steps = ['client', 'incident', 'consent', 'review'] as const;
type Step = (typeof steps)[number];
const stepOfPath = (path: string): Step =>
  path.startsWith('subject') ? 'client' : path.startsWith('incident') ? 'incident' : path.startsWith('consent') ? 'consent' : 'review';

/** The incident summary reviewers read, composed from the guided fields. */
export function summaryOf(draft: Draft): string {
  const f = t.file;
  return [
    draft.time && `${f.time}: ${draft.time}`,
    `${f.whatHappened}: ${draft.whatHappened.trim()}`,
    draft.whatWasSaid.trim() && `${f.whatWasSaid}: ${draft.whatWasSaid.trim()}`,
    draft.demeanour.trim() && `${f.demeanour}: ${draft.demeanour.trim()}`,
  ]
    .filter(Boolean)
    .join('\n');
}

type Submission = NonNullable<paths['/v1/alerts']['post']['requestBody']>['content']['application/json'];
type Incident = Submission['incident'];

/** The submission body, checked against the API contract at build time. */
function bodyOf(draft: Draft, clauses: readonly Clause[]): Submission {
  const clause = clauses.find((c) => `${c.clauseId}@${c.version}` === draft.clause);
  const subject: Submission['subject'] = {};
  for (const name of ['fullName', 'dateOfBirth', 'phone', 'email'] as const) if (draft[name].trim()) subject[name] = draft[name].trim();
  const incident: Incident = {
    occurredOn: draft.occurredOn,
    category: draft.category as Incident['category'],
    severity: draft.severity as Incident['severity'],
    summary: summaryOf(draft),
  };
  if (draft.actionsTaken.trim()) incident.actionsTaken = draft.actionsTaken.trim();
  if (draft.witnesses.trim() !== '') incident.witnesses = Number(draft.witnesses);
  return {
    subject,
    incident,
    consent: {
      clauseId: clause?.clauseId ?? '',
      clauseVersion: clause?.version ?? 0,
      clauseSha256: clause?.sha256 ?? '',
      signedOn: draft.signedOn,
      method: draft.method as Submission['consent']['method'],
      documentSha256: draft.documentSha256,
    },
  };
}

interface Submitted {
  readonly alertId: string;
  readonly status: string;
  readonly receipt: Record<string, unknown>;
}

export function FileAlert() {
  const [draft, setDraft] = useState<Draft>({ ...empty });
  const [step, setStep] = useState<Step>('client');
  const [clauses, setClauses] = useState<Clause[]>([]);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [hashing, setHashing] = useState(false);
  const [done, setDone] = useState<Submitted & { receiptFile: string }>();

  useEffect(() => {
    call<{ items: Clause[] }>('GET', '/v1/consent-clauses').then((answer) => setClauses(answer.items), setError);
  }, []);

  const set = (name: keyof Draft) => (event: Event) => setDraft((d) => ({ ...d, [name]: (event.currentTarget as HTMLInputElement).value }));
  const f = t.file;
  const err = (path: string) => fieldError(errors, path);

  const localErrors = (at: Step): FieldError[] => {
    const found: FieldError[] = [];
    const need = (value: string, path: string) => !value.trim() && found.push({ path, message: f.required });
    if (at === 'client' && !draft.phone.trim() && !draft.email.trim() && !(draft.fullName.trim() && draft.dateOfBirth))
      found.push({ path: 'subject', message: f.subjectNeeds });
    if (at === 'incident') {
      need(draft.occurredOn, 'incident.occurredOn');
      need(draft.category, 'incident.category');
      need(draft.severity, 'incident.severity');
      need(draft.whatHappened, 'incident.summary');
    }
    if (at === 'consent') {
      need(draft.clause, 'consent.clauseId');
      need(draft.signedOn, 'consent.signedOn');
      need(draft.documentSha256, 'consent.documentSha256');
    }
    return found;
  };

  const next = (event: Event) => {
    event.preventDefault();
    const found = localErrors(step);
    setErrors(found);
    setError(undefined);
    if (found.length === 0) setStep(steps[steps.indexOf(step) + 1]!);
  };

  const chooseFile = async (event: Event) => {
    const file = (event.currentTarget as HTMLInputElement).files?.[0];
    if (!file) return;
    setHashing(true);
    const hash = await sha256OfFile(file);
    setHashing(false);
    setDraft((d) => ({ ...d, documentName: file.name, documentSha256: hash }));
  };

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    const body = bodyOf(draft, clauses);
    try {
      const answer: Submitted = await typed((client) => client.POST('/v1/alerts', { body }));
      // The receipt file holds the body exactly as sent, which is what the receipt's hash covers.
      const receiptFile = JSON.stringify({ receipt: answer.receipt, body }, null, 2);
      filedHere.value = [answer.alertId, ...filedHere.value];
      setDraft({ ...empty });
      setDone({ ...answer, receiptFile });
    } catch (failure) {
      setError(failure);
      const fields = failure instanceof ApiError ? [...failure.errors] : [];
      setErrors(fields);
      if (fields[0]) setStep(stepOfPath(fields[0].path));
    } finally {
      setBusy(false);
    }
  };

  if (done) {
    return (
      <Section title={f.doneTitle}>
        <div class="notice ok" role="status">
          <p>{f.doneText(done.alertId)}</p>
        </div>
        <p>{f.receiptText}</p>
        <p class="notice warn">{f.receiptWarning}</p>
        <div class="actions">
          <button type="button" class="primary" onClick={() => download(`peerguard-receipt-${done.alertId}.json`, done.receiptFile, 'application/json')}>
            {f.downloadReceipt}
          </button>
          <button
            type="button"
            onClick={() => {
              setDone(undefined);
              setStep('client');
            }}
          >
            {f.another}
          </button>
        </div>
      </Section>
    );
  }

  const clause = clauses.find((c) => `${c.clauseId}@${c.version}` === draft.clause);
  return (
    <Section title={f.title}>
      <ol class="steps" aria-label={f.stepsLabel}>
        {steps.map((s, i) => (
          <li key={s} aria-current={s === step ? 'step' : undefined}>
            {i + 1}. {f.steps[s]}
          </li>
        ))}
      </ol>
      <ErrorNotice error={error} />
      {step === 'client' && (
        <form onSubmit={next} novalidate autocomplete="off">
          <h3>{f.steps.client}</h3>
          <p class="intro">{f.clientIntro}</p>
          <div class="grid">
            <Input
              id="alert-fullName"
              label={t.screen.fullName}
              value={draft.fullName}
              onInput={set('fullName')}
              error={err('subject.fullName')}
              autocomplete="off"
            />
            <Input
              id="alert-dateOfBirth"
              type="date"
              label={t.screen.dateOfBirth}
              value={draft.dateOfBirth}
              onInput={set('dateOfBirth')}
              error={err('subject.dateOfBirth')}
            />
            <Input
              id="alert-phone"
              type="tel"
              label={t.screen.phone}
              value={draft.phone}
              onInput={set('phone')}
              error={err('subject.phone')}
              autocomplete="off"
            />
            <Input
              id="alert-email"
              type="email"
              label={t.screen.email}
              value={draft.email}
              onInput={set('email')}
              error={err('subject.email')}
              autocomplete="off"
            />
          </div>
          {err('subject') && (
            <p class="error-text" role="alert">
              {err('subject')}
            </p>
          )}
          <div class="actions">
            <button type="submit" class="primary">
              {f.next}
            </button>
          </div>
        </form>
      )}
      {step === 'incident' && (
        <form onSubmit={next} novalidate>
          <h3>{f.steps.incident}</h3>
          <p class="notice warn">{f.noIdentifiers}</p>
          <div class="grid">
            <Input id="occurredOn" type="date" label={f.occurredOn} value={draft.occurredOn} onInput={set('occurredOn')} error={err('incident.occurredOn')} />
            <Input id="time" type="time" label={f.time} value={draft.time} onInput={set('time')} />
            <Select
              id="category"
              label={f.category}
              value={draft.category}
              onChange={set('category')}
              error={err('incident.category')}
              options={[['', f.choose], ...Object.entries(t.categories)]}
            />
            <Select
              id="severity"
              label={f.severity}
              value={draft.severity}
              onChange={set('severity')}
              error={err('incident.severity')}
              options={[['', f.choose], ...Object.entries(t.severities)]}
            />
          </div>
          <TextArea
            id="whatHappened"
            label={f.whatHappened}
            hint={f.whatHappenedHint}
            value={draft.whatHappened}
            onInput={set('whatHappened')}
            error={err('incident.summary')}
          />
          <TextArea id="whatWasSaid" label={f.whatWasSaid} hint={f.whatWasSaidHint} value={draft.whatWasSaid} onInput={set('whatWasSaid')} />
          <TextArea id="demeanour" label={f.demeanour} hint={f.demeanourHint} value={draft.demeanour} onInput={set('demeanour')} />
          <div class="grid">
            <Input
              id="witnesses"
              type="number"
              min={0}
              max={1000}
              label={f.witnesses}
              value={draft.witnesses}
              onInput={set('witnesses')}
              error={err('incident.witnesses')}
            />
          </div>
          <TextArea
            id="actionsTaken"
            label={f.actionsTaken}
            hint={f.actionsTakenHint}
            value={draft.actionsTaken}
            onInput={set('actionsTaken')}
            error={err('incident.actionsTaken')}
          />
          <div class="actions">
            <button type="button" onClick={() => setStep('client')}>
              {f.back}
            </button>
            <button type="submit" class="primary">
              {f.next}
            </button>
          </div>
        </form>
      )}
      {step === 'consent' && (
        <form onSubmit={next} novalidate>
          <h3>{f.steps.consent}</h3>
          <p class="intro">{f.consentIntro}</p>
          <Select
            id="clause"
            label={f.clause}
            value={draft.clause}
            onChange={set('clause')}
            error={err('consent.clauseId') ?? err('consent.clauseSha256') ?? err('consent.clauseVersion')}
            options={[['', f.choose], ...clauses.map((c) => [`${c.clauseId}@${c.version}`, f.clauseOption(c.clauseId, c.version, c.jurisdiction)] as const)]}
          />
          {clause && <blockquote class="clause-text">{clause.text}</blockquote>}
          <div class="grid">
            <Input id="signedOn" type="date" label={f.signedOn} value={draft.signedOn} onInput={set('signedOn')} error={err('consent.signedOn')} />
          </div>
          <fieldset>
            <legend>{f.method}</legend>
            {(['e_signature', 'wet_ink'] as const).map((method) => (
              <label class="radio" key={method}>
                <input type="radio" name="method" value={method} checked={draft.method === method} onChange={set('method')} /> {f.methods[method]}
              </label>
            ))}
          </fieldset>
          <Field id="intake-file" label={f.intakeFile} hint={f.intakeHint} error={err('consent.documentSha256')}>
            {(describedBy, invalid) => (
              <input id="intake-file" type="file" aria-describedby={describedBy} aria-invalid={invalid || undefined} onChange={chooseFile} />
            )}
          </Field>
          {hashing && <p role="status">{f.hashing}</p>}
          {draft.documentSha256 && (
            <p role="status">
              {f.hashOf(draft.documentName)} <code data-testid="document-sha256">{draft.documentSha256}</code>
            </p>
          )}
          <div class="actions">
            <button type="button" onClick={() => setStep('incident')}>
              {f.back}
            </button>
            <button type="submit" class="primary" disabled={hashing}>
              {f.next}
            </button>
          </div>
        </form>
      )}
      {step === 'review' && (
        <div>
          <h3>{f.steps.review}</h3>
          <div class="card">
            <h4>{f.reviewersSee}</h4>
            <dl class="facts">
              <dt>{f.category}</dt>
              <dd>{t.label.category(draft.category)}</dd>
              <dt>{f.severity}</dt>
              <dd>{t.label.severity(draft.severity)}</dd>
              <dt>{f.occurredOn}</dt>
              <dd>{draft.occurredOn}</dd>
              <dt>{f.summary}</dt>
              <dd>
                <pre class="summary">{summaryOf(draft)}</pre>
              </dd>
              <dt>{f.witnesses}</dt>
              <dd>{draft.witnesses || '—'}</dd>
              <dt>{f.actionsTaken}</dt>
              <dd>{draft.actionsTaken || '—'}</dd>
              <dt>{f.clause}</dt>
              <dd>{clause ? f.clauseOption(clause.clauseId, clause.version, clause.jurisdiction) : '—'}</dd>
              <dt>{f.signedOn}</dt>
              <dd>
                {draft.signedOn} ({f.methods[draft.method as 'e_signature' | 'wet_ink']})
              </dd>
              <dt>{f.intakeFile}</dt>
              <dd>
                <code>{draft.documentSha256}</code>
              </dd>
            </dl>
            <p class="hint">{f.reviewersNever}</p>
          </div>
          <div class="card">
            <h4>{f.screenersSee}</h4>
            <p>
              <strong>{t.screen.match}</strong>: {t.label.category(draft.category)} · {t.label.severity(draft.severity)} severity · {t.screen.publishedOn}{' '}
              {f.onPublication}
            </p>
            <p class="hint">{f.screenersNever}</p>
          </div>
          <div class="actions">
            <button type="button" onClick={() => setStep('consent')}>
              {f.back}
            </button>
            <button type="button" class="primary" disabled={busy} onClick={submit}>
              {busy ? f.submitting : f.submit}
            </button>
          </div>
        </div>
      )}
    </Section>
  );
}
