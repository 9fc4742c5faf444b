/** Reviewer: the queue (decrypted incident record and consent proof), approve or reject with a reason; and re-confirmation of published alerts. */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, typed } from '../api.ts';
import { t } from '../text.ts';
import { ErrorNotice, Section, TextArea, when } from '../ui.tsx';
import type { AlertView } from './alert-card.tsx';

function Incident({ alert }: { readonly alert: AlertView }) {
  const r = t.review;
  const consent = alert.consent;
  return (
    <dl class="facts">
      <dt>{t.file.occurredOn}</dt>
      <dd>{alert.incident?.occurredOn ?? '—'}</dd>
      <dt>{t.file.summary}</dt>
      <dd>
        <pre class="summary">{alert.incident?.summary ?? '—'}</pre>
      </dd>
      <dt>{t.file.actionsTaken}</dt>
      <dd>{alert.incident?.actionsTaken ?? '—'}</dd>
      <dt>{t.file.witnesses}</dt>
      <dd>{alert.incident?.witnesses ?? '—'}</dd>
      {consent && (
        <>
          <dt>{t.file.clause}</dt>
          <dd>
            {t.file.clauseOption(consent.clauseId, consent.clauseVersion)} · <span class="mono">{consent.clauseSha256.slice(0, 16)}…</span>
          </dd>
          <dt>{t.file.signedOn}</dt>
          <dd>
            {consent.signedOn} ({t.file.methods[consent.method as 'e_signature'] ?? consent.method})
          </dd>
          <dt>{r.intakeHash}</dt>
          <dd>
            <code>{consent.documentSha256}</code>
          </dd>
        </>
      )}
      <dt>{t.alerts.submitted}</dt>
      <dd>{when(alert.submittedAt)}</dd>
      <dt>{r.approvals}</dt>
      <dd>{alert.approvals ?? 0} / 2</dd>
    </dl>
  );
}

function Decide({ alert, onDone, reconfirm }: { readonly alert: AlertView; readonly onDone: () => void; readonly reconfirm?: boolean }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const r = t.review;
  const send = async (decision?: 'approve' | 'reject') => {
    setBusy(true);
    setError(undefined);
    try {
      const path = { alertId: alert.alertId };
      if (reconfirm) await typed((client) => client.POST('/v1/alerts/{alertId}/reconfirm', { params: { path }, body: { reason } }));
      else await typed((client) => client.POST('/v1/alerts/{alertId}/reviews', { params: { path }, body: { decision: decision!, reason } }));
      onDone();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const errors = error instanceof ApiError ? error.errors : [];
  return (
    <form onSubmit={(e) => e.preventDefault()}>
      <TextArea
        id={`reason-${alert.alertId}`}
        label={reconfirm ? r.reconfirmReason : r.reason}
        hint={r.reasonHint}
        value={reason}
        onInput={(e) => setReason(e.currentTarget.value)}
        error={errors.find((e) => e.path === 'reason')?.message}
      />
      <div class="actions">
        {reconfirm ? (
          <button type="button" class="primary" disabled={busy || !reason.trim()} onClick={() => void send()}>
            {r.reconfirm}
          </button>
        ) : (
          <>
            <button type="button" class="primary" disabled={busy || !reason.trim()} onClick={() => void send('approve')}>
              {r.approve}
            </button>
            <button type="button" class="danger" disabled={busy || !reason.trim()} onClick={() => void send('reject')}>
              {r.reject}
            </button>
          </>
        )}
      </div>
      <ErrorNotice error={error} />
    </form>
  );
}

function useList(path: string) {
  const [items, setItems] = useState<AlertView[]>();
  const [error, setError] = useState<unknown>();
  const [missing, setMissing] = useState(false);
  const load = () =>
    call<{ items: AlertView[] }>('GET', path).then(
      (answer) => setItems(answer.items),
      (failure: unknown) => (failure instanceof ApiError && failure.status === 404 ? setMissing(true) : setError(failure)),
    );
  useEffect(() => void load(), []);
  return { items, error, missing, load };
}

export function ReviewQueue() {
  const { items, error, load } = useList('/v1/reviews/queue');
  const [decided, setDecided] = useState<string>();
  const r = t.review;
  return (
    <Section title={r.queueTitle}>
      <p class="intro">{r.queueIntro}</p>
      {decided && (
        <p class="notice ok" role="status">
          {r.decided(decided)}
        </p>
      )}
      <ErrorNotice error={error} />
      {!items && !error && <p role="status">{t.common.loading}</p>}
      {items?.length === 0 && <p>{r.empty}</p>}
      {items?.map((alert) => (
        <article class="card" key={alert.alertId} aria-labelledby={`q-${alert.alertId}`}>
          <h3 id={`q-${alert.alertId}`}>
            {t.label.category(alert.category)} · {t.label.severity(alert.severity)} <span class="muted mono">{alert.alertId}</span>
          </h3>
          <Incident alert={alert} />
          <Decide
            alert={alert}
            onDone={() => {
              setDecided(alert.alertId);
              void load();
            }}
          />
        </article>
      ))}
    </Section>
  );
}

export function Decided() {
  const { items, error, missing, load } = useList('/v1/reviews/decided');
  const [done, setDone] = useState<string>();
  const r = t.review;
  return (
    <Section title={t.nav.decided}>
      <p class="intro">{r.decidedIntro}</p>
      {missing && <p class="notice warn">{t.errors.notYetOnServer}</p>}
      {done && (
        <p class="notice ok" role="status">
          {r.reconfirmed(done)}
        </p>
      )}
      <ErrorNotice error={error} />
      {items?.length === 0 && <p>{t.common.none}</p>}
      {items?.map((alert) => (
        <article class="card" key={alert.alertId} aria-labelledby={`d-${alert.alertId}`}>
          <h3 id={`d-${alert.alertId}`}>
            {t.label.category(alert.category)} · {t.label.severity(alert.severity)} <span class="pill">{t.label.status(alert.status)}</span>
          </h3>
          <Incident alert={alert} />
          {alert.status === 'published' && (
            <Decide
              alert={alert}
              reconfirm
              onDone={() => {
                setDone(alert.alertId);
                void load();
              }}
            />
          )}
        </article>
      ))}
    </Section>
  );
}
