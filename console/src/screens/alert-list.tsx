/**
 * A list of alerts: the practice's own (or, for an admin, every alert) from GET /v1/alerts, with
 * a status filter and "load more"; on a server without that route, the alerts filed in this tab
 * and a look-up by alert id.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, typed } from '../api.ts';
import { filedHere } from '../filed.ts';
import { t } from '../text.ts';
import { ErrorNotice, Input, Section, Select } from '../ui.tsx';
import { AlertCard, type AlertView } from './alert-card.tsx';

const byId = async (alertId: string) => (await typed((client) => client.GET('/v1/alerts/{alertId}', { params: { path: { alertId } } }))) as AlertView;

export function AlertList({ title }: { readonly title: string }) {
  const [items, setItems] = useState<AlertView[]>([]);
  const [cursor, setCursor] = useState<string>();
  const [status, setStatus] = useState('');
  const [listMissing, setListMissing] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();
  const [lookup, setLookup] = useState('');

  const load = async (more = false) => {
    setLoading(true);
    setError(undefined);
    try {
      const answer = await call<{ items: AlertView[]; nextCursor?: string }>('GET', '/v1/alerts', {
        query: { status, limit: 25, cursor: more ? cursor : undefined },
      });
      setItems((old) => (more ? [...old, ...answer.items] : answer.items));
      setCursor(answer.nextCursor);
    } catch (failure) {
      if (failure instanceof ApiError && (failure.status === 404 || failure.status === 405)) {
        setListMissing(true);
        const filed = await Promise.all(filedHere.value.map((alertId) => byId(alertId).catch(() => undefined)));
        setItems(filed.filter((a): a is AlertView => a !== undefined));
      } else setError(failure);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => void load(), [status]);

  const find = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    try {
      const alert = await byId(lookup.trim());
      setItems((old) => [alert, ...old.filter((a) => a.alertId !== alert.alertId)]);
      setLookup('');
    } catch (failure) {
      setError(failure);
    }
  };
  const replace = (updated: AlertView) => setItems((old) => old.map((a) => (a.alertId === updated.alertId ? updated : a)));
  const a = t.alerts;
  return (
    <Section title={title}>
      <div class="grid">
        {!listMissing && (
          <Select
            id="status-filter"
            label={a.filter}
            value={status}
            onChange={(e) => setStatus(e.currentTarget.value)}
            options={[
              ['', a.allStatuses],
              ...['pending_review', 'published', 'rejected', 'suspended', 'retracted', 'expired'].map((s) => [s, t.label.status(s)] as const),
            ]}
          />
        )}
        <form onSubmit={find}>
          <Input id="alert-lookup" label={a.lookup} value={lookup} onInput={(e) => setLookup(e.currentTarget.value)} spellcheck={false} />
          <button type="submit">{a.lookupButton}</button>
        </form>
      </div>
      {listMissing && <p class="notice warn">{a.listMissing}</p>}
      <ErrorNotice error={error} />
      {loading && <p role="status">{t.common.loading}</p>}
      {!loading && items.length === 0 && <p>{t.common.none}</p>}
      {items.map((alert) => (
        <AlertCard key={alert.alertId} alert={alert} onChange={replace} />
      ))}
      {cursor && (
        <button type="button" onClick={() => void load(true)}>
          {t.common.more}
        </button>
      )}
    </Section>
  );
}

export const MyAlerts = () => <AlertList title={t.nav.myAlerts} />;
export const AllAlerts = () => <AlertList title={t.nav.alerts} />;
