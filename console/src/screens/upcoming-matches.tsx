/**
 * The front desk's list of upcoming bookings that now match: registrations of the practice
 * (GET /v1/bookings) that an alert published or reinstated since they were registered matches,
 * with the ref, the appointment date, the tier, category and severity. Never an identifier: the
 * API keeps none. Refreshed every minute while the screen is open.
 */
import { useEffect, useState } from 'preact/hooks';
import { typed } from '../api.ts';
import { t } from '../text.ts';
import { ErrorNotice, when } from '../ui.tsx';

interface Registered {
  readonly ref: string;
  readonly appointmentOn: string;
  readonly matches: readonly { checkId: string; confidence: 'strong' | 'possible'; category: string; severity: string; matchedAt: string }[];
}

export function UpcomingMatches() {
  const [items, setItems] = useState<readonly Registered[]>();
  const [error, setError] = useState<unknown>();
  const load = async () => {
    try {
      const answer = await typed((client) => client.GET('/v1/bookings'));
      setItems(answer.items);
      setError(undefined);
    } catch (failure) {
      setError(failure);
    }
  };
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 60_000);
    return () => clearInterval(timer);
  }, []);
  const u = t.upcoming;
  const matching = (items ?? []).filter((item) => item.matches.length > 0);
  return (
    <section class="upcoming" aria-labelledby="upcoming-title" data-testid="upcoming-matches">
      <h3 id="upcoming-title">{u.title}</h3>
      <p class="hint">{u.intro}</p>
      <ErrorNotice error={error} />
      {items && items.length > 0 && matching.length === 0 && <p>{u.none}</p>}
      {matching.length > 0 && (
        <div class="table-wrap upcoming-table">
          <table>
            <thead>
              <tr>
                <th scope="col">{u.ref}</th>
                <th scope="col">{u.appointment}</th>
                <th scope="col">{u.tier}</th>
                <th scope="col">{u.category}</th>
                <th scope="col">{u.severity}</th>
                <th scope="col">{u.found}</th>
              </tr>
            </thead>
            <tbody>
              {matching.flatMap((item) =>
                item.matches.map((match) => (
                  <tr key={match.checkId} class={`upcoming-${match.confidence}`}>
                    <td data-label={u.ref}>{item.ref}</td>
                    <td data-label={u.appointment}>{item.appointmentOn}</td>
                    <td data-label={u.tier}>
                      <span class={`pill pill-${match.confidence === 'strong' ? 'match' : 'possible'}`}>
                        {match.confidence === 'strong' ? u.strong : u.possible}
                      </span>
                    </td>
                    <td data-label={u.category}>{t.label.category(match.category)}</td>
                    <td data-label={u.severity}>{t.label.severity(match.severity)}</td>
                    <td data-label={u.found}>{when(match.matchedAt)}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </div>
      )}
      {items && <p class="hint">{u.registered(items.length)}</p>}
      <button type="button" onClick={() => void load()}>
        {u.refresh}
      </button>
    </section>
  );
}
