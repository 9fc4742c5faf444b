/**
 * On the practice's own alerts ("my alerts"): whether the practice is told how many bookings the
 * alert matched, a switch to opt in or out, and the days that reached the threshold (counts per
 * UTC day only; never which practice, booking or time). Read when opened, not for every card.
 */
import { useState } from 'preact/hooks';
import { typed } from '../api.ts';
import { t } from '../text.ts';
import { ErrorNotice } from '../ui.tsx';

interface Digest {
  readonly enabled: boolean;
  readonly threshold: number;
  readonly days: readonly { day: string; matches: number }[];
}

export function MatchDigestPanel({ alertId }: { readonly alertId: string }) {
  const [digest, setDigest] = useState<Digest>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const path = { params: { path: { alertId } } };
  const load = async () => {
    try {
      setDigest(await typed((client) => client.GET('/v1/alerts/{alertId}/match-digest', path)));
      setError(undefined);
    } catch (failure) {
      setError(failure);
    }
  };
  const toggle = async () => {
    setBusy(true);
    try {
      setDigest(await typed((client) => client.PUT('/v1/alerts/{alertId}/match-digest', { ...path, body: { enabled: !digest?.enabled } })));
      setError(undefined);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const d = t.digest;
  return (
    <details class="digest" onToggle={(event) => (event.currentTarget as HTMLDetailsElement).open && !digest && void load()}>
      <summary>{d.title}</summary>
      <ErrorNotice error={error} />
      {digest && (
        <>
          <p>{digest.enabled ? d.on(digest.threshold) : d.off}</p>
          <button type="button" onClick={() => void toggle()} disabled={busy}>
            {digest.enabled ? d.turnOff : d.turnOn}
          </button>
          {digest.enabled && (
            <>
              <h4>{d.days}</h4>
              {digest.days.length === 0 ? (
                <p>{d.noDays}</p>
              ) : (
                <ul>
                  {digest.days.map(({ day, matches }) => (
                    <li key={day}>
                      {day}: {d.matches(matches)}
                    </li>
                  ))}
                </ul>
              )}
            </>
          )}
        </>
      )}
    </details>
  );
}
