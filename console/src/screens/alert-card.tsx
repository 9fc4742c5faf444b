/** One alert as the signed-in role sees it, with the actions that role may take on it (each with a reason). */
import { useState } from 'preact/hooks';
import { typed } from '../api.ts';
import { identity } from '../session.ts';
import { t } from '../text.ts';
import { MatchDigestPanel } from './match-digest.tsx';
import { ErrorNotice, TextArea, when } from '../ui.tsx';

export interface AlertView {
  readonly alertId: string;
  readonly status: string;
  readonly category: string;
  readonly severity: string;
  readonly submittedAt: string;
  readonly publishedAt?: string;
  readonly expiresAt?: string;
  readonly practiceId?: string;
  readonly incident?: { occurredOn?: string; summary?: string; actionsTaken?: string; witnesses?: number };
  readonly consent?: { clauseId: string; clauseVersion: number; clauseSha256: string; signedOn: string; method: string; documentSha256: string };
  readonly approvals?: number;
  readonly reviews?: readonly { decision: string; reason: string; decidedAt: string; practiceId?: string }[];
  readonly history?: readonly { at: string; action: string; status?: string; actorRole?: string; reason?: string }[];
}

type Action = 'retract' | 'dispute' | 'reinstate';
const paths = { retract: '/v1/alerts/{alertId}/retract', dispute: '/v1/alerts/{alertId}/disputes', reinstate: '/v1/alerts/{alertId}/reinstate' } as const;

function actionsFor(status: string): Action[] {
  const role = identity.value?.role;
  const actions: Action[] = [];
  if (role === 'admin' && status === 'published') actions.push('dispute');
  if (role === 'admin' && status === 'suspended') actions.push('reinstate');
  if ((role === 'admin' || role === 'practice') && (status === 'published' || status === 'suspended')) actions.push('retract');
  return actions;
}

export function AlertCard({ alert, onChange }: { readonly alert: AlertView; readonly onChange: (alert: AlertView) => void }) {
  const [action, setAction] = useState<Action>();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const a = t.alerts;
  const act = async (event: Event) => {
    event.preventDefault();
    if (!action) return;
    setBusy(true);
    setError(undefined);
    try {
      const updated = (await typed((client) => client.POST(paths[action], { params: { path: { alertId: alert.alertId } }, body: { reason } }))) as AlertView;
      setAction(undefined);
      setReason('');
      onChange(updated);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const headingId = `alert-${alert.alertId}`;
  return (
    <article class="card" aria-labelledby={headingId} data-alert={alert.alertId}>
      <h3 id={headingId}>
        {t.label.category(alert.category)} · {t.label.severity(alert.severity)}{' '}
        <span class={`pill status-${alert.status}`}>{t.label.status(alert.status)}</span>
      </h3>
      <dl class="facts">
        <dt>{a.id}</dt>
        <dd>
          <code>{alert.alertId}</code>
        </dd>
        <dt>{a.submitted}</dt>
        <dd>{when(alert.submittedAt)}</dd>
        {alert.publishedAt && (
          <>
            <dt>{a.published}</dt>
            <dd>{when(alert.publishedAt)}</dd>
          </>
        )}
        {alert.expiresAt && (
          <>
            <dt>{a.expires}</dt>
            <dd>{when(alert.expiresAt)}</dd>
          </>
        )}
        {alert.practiceId && (
          <>
            <dt>{t.banner.practice}</dt>
            <dd>{alert.practiceId}</dd>
          </>
        )}
      </dl>
      {alert.reviews && alert.reviews.length > 0 && (
        <>
          <h4>{a.reviews}</h4>
          <ul>
            {alert.reviews.map((review, i) => (
              <li key={i}>
                <strong>{review.decision === 'approve' ? a.approved : a.rejected}</strong> {when(review.decidedAt)}: {review.reason}
              </li>
            ))}
          </ul>
        </>
      )}
      {alert.history && alert.history.length > 0 && (
        <details>
          <summary>{a.history}</summary>
          <ul>
            {alert.history.map((entry, i) => (
              <li key={i}>
                {when(entry.at)} · {entry.action}
                {entry.status && ` → ${t.label.status(entry.status)}`}
                {entry.actorRole && ` (${t.label.role(entry.actorRole)})`}
                {entry.reason && `: ${entry.reason}`}
              </li>
            ))}
          </ul>
        </details>
      )}
      {identity.value?.role === 'practice' && alert.status !== 'pending_review' && alert.status !== 'rejected' && <MatchDigestPanel alertId={alert.alertId} />}
      {!action && actionsFor(alert.status).length > 0 && (
        <div class="actions">
          {actionsFor(alert.status).map((name) => (
            <button key={name} type="button" class={name === 'reinstate' ? '' : 'danger'} onClick={() => setAction(name)}>
              {a.actions[name]}
            </button>
          ))}
        </div>
      )}
      {action && (
        <form onSubmit={act}>
          <TextArea
            id={`reason-${alert.alertId}`}
            label={a.reasonFor[action]}
            hint={a.reasonHint}
            value={reason}
            onInput={(e) => setReason(e.currentTarget.value)}
            required
          />
          <p class="hint">{a.confirmText[action]}</p>
          <div class="actions">
            <button type="button" onClick={() => setAction(undefined)}>
              {t.common.cancel}
            </button>
            <button type="submit" class="danger" disabled={busy || !reason.trim()}>
              {a.confirm[action]}
            </button>
          </div>
          <ErrorNotice error={error} />
        </form>
      )}
    </article>
  );
}
