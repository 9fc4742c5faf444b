/** Admin: the network's overview (its statistics, and the latest security notices), practices, API keys (shown once; revoked after confirmation) and consent clauses. */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, typed } from '../api.ts';
import { t } from '../text.ts';
import { NetworkStatistics } from './stats.tsx';
import { ErrorNotice, fieldError, Input, Section, Select, TextArea, when } from '../ui.tsx';

function useGet<T>(path: string, query?: Record<string, string>) {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [missing, setMissing] = useState(false);
  const load = () =>
    call<T>('GET', path, { query }).then(setData, (failure: unknown) =>
      failure instanceof ApiError && failure.status === 404 ? setMissing(true) : setError(failure),
    );
  useEffect(() => void load(), [path, JSON.stringify(query)]);
  return { data, error, missing, load };
}

interface Overview {
  readonly alertsByStatus: Record<string, number>;
  readonly checksPerDay: readonly { day: string; checks: number; matches: number }[];
  readonly notices: readonly { type: string; practiceId?: string; at: string }[];
}

export function AdminOverview() {
  const { data, error, missing } = useGet<Overview>('/v1/overview');
  const o = t.admin;
  return (
    <Section title={t.nav.overview}>
      <NetworkStatistics />
      {missing && <p class="notice warn">{t.errors.notYetOnServer}</p>}
      <ErrorNotice error={error} />
      {data && (
        <>
          <h3>{o.notices}</h3>
          {data.notices.length === 0 ? (
            <p>{o.noNotices}</p>
          ) : (
            <ul>
              {data.notices.map((n, i) => (
                <li key={i}>
                  {when(n.at)} · {o.noticeType(n.type)} {n.practiceId && `· ${n.practiceId}`}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Section>
  );
}

interface Practice {
  readonly practiceId: string;
  readonly name: string;
  readonly region: string;
  readonly createdAt: string;
}

export function AdminPractices() {
  const { data, error, missing, load } = useGet<{ items: Practice[] }>('/v1/practices');
  const [created, setCreated] = useState<Practice[]>([]);
  const [failure, setFailure] = useState<unknown>();
  const o = t.admin;
  const create = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const values = new FormData(form);
    setFailure(undefined);
    try {
      const practice: Practice = await typed((client) =>
        client.POST('/v1/practices', { body: { name: String(values.get('practice-name')), region: String(values.get('practice-region')) } }),
      );
      form.reset();
      setCreated((old) => [practice, ...old]);
      void load();
    } catch (e) {
      setFailure(e);
    }
  };
  const errors = failure instanceof ApiError ? failure.errors : [];
  const items = data?.items ?? created;
  return (
    <Section title={t.nav.practices}>
      <form onSubmit={create} class="grid">
        <Input id="practice-name" label={o.practiceName} error={fieldError(errors, 'name')} />
        <Input id="practice-region" label={o.region} hint={o.regionHint} error={fieldError(errors, 'region')} />
        <div class="actions">
          <button type="submit" class="primary">
            {o.addPractice}
          </button>
        </div>
      </form>
      <ErrorNotice error={failure ?? error} />
      {missing && <p class="notice warn">{o.practicesMissing}</p>}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{o.practiceName}</th>
              <th scope="col">{o.region}</th>
              <th scope="col">{o.practiceId}</th>
              <th scope="col">{o.created}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((p) => (
              <tr key={p.practiceId}>
                <td>{p.name}</td>
                <td>{p.region}</td>
                <td>
                  <code>{p.practiceId}</code>
                </td>
                <td>{when(p.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}

interface Key {
  readonly keyId: string;
  readonly role: string;
  readonly practiceId?: string;
  readonly label: string;
  readonly createdAt?: string;
  readonly revokedAt?: string;
}

export function AdminKeys() {
  const keys = useGet<{ items: Key[] }>('/v1/keys');
  const practices = useGet<{ items: Practice[] }>('/v1/practices');
  const [role, setRole] = useState('practice');
  const [fresh, setFresh] = useState<{ apiKey: string; keyId: string; label: string }>();
  const [copied, setCopied] = useState(false);
  const [confirm, setConfirm] = useState<string>();
  const [revokeId, setRevokeId] = useState('');
  const [revoked, setRevoked] = useState<string>();
  const [failure, setFailure] = useState<unknown>();
  const o = t.admin;
  const needsPractice = role === 'practice' || role === 'reviewer';

  const create = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const values = new FormData(form);
    setFailure(undefined);
    setFresh(undefined);
    setCopied(false);
    const label = String(values.get('key-label'));
    try {
      const answer = await typed((client) =>
        client.POST('/v1/keys', {
          body: {
            role: role as 'practice' | 'reviewer' | 'admin' | 'auditor',
            label,
            practiceId: needsPractice ? String(values.get('key-practice') ?? '').trim() || undefined : undefined,
          },
        }),
      );
      form.reset();
      setFresh({ ...answer, label });
      void keys.load();
    } catch (e) {
      setFailure(e);
    }
  };
  const revoke = async (keyId: string) => {
    setFailure(undefined);
    try {
      await typed((client) => client.DELETE('/v1/keys/{keyId}', { params: { path: { keyId } } }));
      setConfirm(undefined);
      setRevokeId('');
      setRevoked(keyId);
      void keys.load();
    } catch (e) {
      setFailure(e);
    }
  };
  const copy = async () => {
    if (!fresh) return;
    await navigator.clipboard.writeText(fresh.apiKey).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  const errors = failure instanceof ApiError ? failure.errors : [];
  const practiceOptions = practices.data?.items.map((p) => [p.practiceId, `${p.name} (${p.practiceId})`] as const);
  return (
    <Section title={t.nav.keys}>
      <h3>{o.newKey}</h3>
      <form onSubmit={create}>
        <div class="grid">
          <Select
            id="key-role"
            label={o.role}
            value={role}
            onChange={(e) => setRole(e.currentTarget.value)}
            options={(['practice', 'reviewer', 'admin', 'auditor'] as const).map((r) => [r, t.label.role(r)] as const)}
            error={fieldError(errors, 'role')}
          />
          {needsPractice &&
            (practiceOptions ? (
              <Select
                id="key-practice"
                label={t.banner.practice}
                options={[['', t.file.choose], ...practiceOptions]}
                error={fieldError(errors, 'practiceId')}
              />
            ) : practices.missing ? (
              <Input id="key-practice" label={t.banner.practice} hint={o.practiceIdHint} error={fieldError(errors, 'practiceId')} spellcheck={false} />
            ) : (
              <Select id="key-practice" label={t.banner.practice} disabled options={[['', t.common.loading]]} />
            ))}
          <Input id="key-label" label={o.keyLabel} hint={o.keyLabelHint} error={fieldError(errors, 'label')} />
        </div>
        <button type="submit" class="primary">
          {o.createKey}
        </button>
      </form>
      {fresh && (
        <div class="notice warn" role="status">
          <p>
            <strong>{o.shownOnce}</strong>
          </p>
          <label for="fresh-key" class="label">
            {o.theKey(fresh.label)}
          </label>
          <input id="fresh-key" class="secret mono" readOnly value={fresh.apiKey} onFocus={(e) => e.currentTarget.select()} />
          <div class="actions">
            <button type="button" onClick={() => void copy()}>
              {copied ? t.common.copied : t.common.copy}
            </button>
            <button type="button" onClick={() => setFresh(undefined)}>
              {o.storedIt}
            </button>
          </div>
        </div>
      )}
      <ErrorNotice error={failure ?? keys.error} />
      {revoked && (
        <p class="notice ok" role="status">
          {o.revoked(revoked)}
        </p>
      )}
      <h3>{o.existingKeys}</h3>
      {keys.missing && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setConfirm(revokeId.trim());
          }}
        >
          <p class="notice warn">{o.keysMissing}</p>
          <Input id="revoke-id" label={o.revokeById} value={revokeId} onInput={(e) => setRevokeId(e.currentTarget.value)} spellcheck={false} />
          <button type="submit" class="danger" disabled={!revokeId.trim()}>
            {o.revoke}
          </button>
        </form>
      )}
      {keys.data && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{o.keyLabel}</th>
                <th scope="col">{o.role}</th>
                <th scope="col">{t.banner.practice}</th>
                <th scope="col">{o.keyId}</th>
                <th scope="col">{o.state}</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.items.map((k) => (
                <tr key={k.keyId}>
                  <td>{k.label}</td>
                  <td>{t.label.role(k.role)}</td>
                  <td>{k.practiceId ?? '—'}</td>
                  <td>
                    <code>{k.keyId}</code>
                  </td>
                  <td>
                    {k.revokedAt ? (
                      o.revokedOn(when(k.revokedAt))
                    ) : (
                      <button type="button" class="danger" onClick={() => setConfirm(k.keyId)} aria-label={`${o.revoke} ${k.label}`}>
                        {o.revoke}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {confirm && (
        <div class="notice error" role="alertdialog" aria-labelledby="confirm-title">
          <p id="confirm-title">
            <strong>{o.confirmRevoke(confirm)}</strong>
          </p>
          <p>{o.revokeEffect}</p>
          <div class="actions">
            <button type="button" onClick={() => setConfirm(undefined)}>
              {t.common.cancel}
            </button>
            <button type="button" class="danger" onClick={() => void revoke(confirm)}>
              {o.yesRevoke}
            </button>
          </div>
        </div>
      )}
    </Section>
  );
}

interface Clause {
  readonly clauseId: string;
  readonly version: number;
  readonly sha256: string;
  readonly text: string;
  readonly jurisdiction?: string;
  readonly publishedAt: string;
}

export function AdminClauses() {
  const { data, error, load } = useGet<{ items: Clause[] }>('/v1/consent-clauses');
  const [failure, setFailure] = useState<unknown>();
  const [target, setTarget] = useState('');
  const [published, setPublished] = useState<string>();
  const o = t.admin;
  const publish = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const values = new FormData(form);
    const jurisdiction = String(values.get('clause-jurisdiction') ?? '').trim();
    setFailure(undefined);
    try {
      const body = { text: String(values.get('clause-text')), jurisdiction: jurisdiction || undefined };
      const answer = await typed((client) =>
        target
          ? client.POST('/v1/consent-clauses/{clauseId}/versions', { params: { path: { clauseId: target } }, body })
          : client.POST('/v1/consent-clauses', { body }),
      );
      form.reset();
      setPublished(o.clausePublished(answer.clauseId, answer.version));
      void load();
    } catch (e) {
      setFailure(e);
    }
  };
  const errors = failure instanceof ApiError ? failure.errors : [];
  const ids = [...new Set((data?.items ?? []).map((c) => c.clauseId))];
  return (
    <Section title={t.nav.clauses}>
      <form onSubmit={publish}>
        <Select
          id="clause-target"
          label={o.publishAs}
          value={target}
          onChange={(e) => setTarget(e.currentTarget.value)}
          options={[['', o.newClause], ...ids.map((id) => [id, o.newVersionOf(id)] as const)]}
        />
        <TextArea id="clause-text" label={o.clauseText} hint={o.clauseTextHint} error={fieldError(errors, 'text')} />
        <Input id="clause-jurisdiction" label={o.jurisdiction} error={fieldError(errors, 'jurisdiction')} />
        <button type="submit" class="primary">
          {o.publish}
        </button>
      </form>
      {published && (
        <p class="notice ok" role="status">
          {published}
        </p>
      )}
      <ErrorNotice error={failure ?? error} />
      <h3>{o.publishedClauses}</h3>
      {data?.items.map((c) => (
        <article class="card" key={`${c.clauseId}@${c.version}`}>
          <h4>{t.file.clauseOption(c.clauseId, c.version, c.jurisdiction)}</h4>
          <blockquote class="clause-text">{c.text}</blockquote>
          <p class="hint">
            {o.publishedOn} {when(c.publishedAt)} · SHA-256 <code>{c.sha256}</code>
          </p>
        </article>
      ))}
    </Section>
  );
}
