/** The admin overview's statistics (GET /v1/stats): accessible tables, hidden figures said as hidden, never as a number. */
import { useEffect, useState } from 'preact/hooks';
import { typed } from '../api.ts';
import { t } from '../text.ts';
import { ErrorNotice } from '../ui.tsx';

type Figure = { suppressed: false; value: number } | { suppressed: true; reason: 'fewer_than_k_practices' | 'fewer_than_k_alerts' };
type Stats = Awaited<ReturnType<typeof load>>;
const load = () => typed((client) => client.GET('/v1/stats'));

/** A figure's cell: the number (formatted), or the reason it is hidden. */
function Value({ figure, k, format = String }: { readonly figure: Figure; readonly k: number; readonly format?: (value: number) => string }) {
  if (!figure.suppressed) return <td class="num">{format(figure.value)}</td>;
  return <td class="hidden-figure">{figure.reason === 'fewer_than_k_alerts' ? t.stats.hiddenAlerts(k) : t.stats.hiddenPractices(k)}</td>;
}

/** One two-column table: a caption, the column names, and a row per figure. */
function FigureTable({
  caption,
  head,
  rows,
  k,
}: {
  readonly caption: string;
  readonly head: readonly [string, string];
  readonly rows: readonly (readonly [string, Figure, ((value: number) => string)?])[];
  readonly k: number;
}) {
  return (
    <div class="table-wrap">
      <table class="stats">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{head[0]}</th>
            <th scope="col">{head[1]}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([label, figure, format]) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              <Value figure={figure} k={k} format={format} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const percent = (value: number) => `${(value * 100).toFixed(2)} %`;

export function NetworkStatistics() {
  const [stats, setStats] = useState<Stats>();
  const [error, setError] = useState<unknown>();
  useEffect(() => void load().then(setStats, setError), []);
  const s = t.stats;
  if (error) return <ErrorNotice error={error} />;
  if (!stats) return <p>{s.loading}</p>;
  const { k } = stats;
  const visible = stats.checks.perDay.map((d) => (d.checks.suppressed ? 0 : d.checks.value));
  const most = Math.max(1, ...visible);
  return (
    <div class="stats-panel">
      <h3 id="stats-title">{s.title}</h3>
      <p class="hint">{s.intro(k)}</p>
      <div class="stats-grid">
        <FigureTable
          caption={s.alertsNow}
          head={[s.status, s.alerts]}
          k={k}
          rows={Object.entries(stats.alerts.byStatus).map(([status, figure]) => [t.label.status(status), figure] as const)}
        />
        <FigureTable
          caption={s.submitted}
          head={[s.kind, s.alerts]}
          k={k}
          rows={[
            [s.allSubmitted, stats.alerts.submitted],
            ...Object.entries(stats.alerts.byCategory).map(([category, figure]) => [t.label.category(category), figure] as const),
            ...Object.entries(stats.alerts.bySeverity).map(([severity, figure]) => [s.severity(t.label.severity(severity)), figure] as const),
          ]}
        />
        <FigureTable
          caption={s.outcomes}
          head={[s.outcome, s.count]}
          k={k}
          rows={[
            ...(['published', 'rejected', 'retracted', 'expired'] as const).map((name) => [s.outcomeLabels[name]!, stats.outcomes[name]] as const),
            ...(['opened', 'upheld', 'removed', 'open'] as const).map((name) => [s.outcomeLabels[name]!, stats.outcomes.disputes[name]] as const),
          ]}
        />
        <FigureTable
          caption={s.reviewTimes}
          head={[s.measure, s.value]}
          k={k}
          rows={[
            [s.decided, stats.reviewTimes.decided],
            [s.median, stats.reviewTimes.medianHoursAtMost, s.hours],
            [s.p90, stats.reviewTimes.p90HoursAtMost, s.hours],
          ]}
        />
        <div class="table-wrap">
          <table class="stats tiers">
            <caption>{s.screening(stats.window.from, stats.window.to)}</caption>
            <thead>
              <tr>
                <th scope="col">{s.measure}</th>
                <th scope="col">{s.count}</th>
                <th scope="col">{s.rate}</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">{s.screened}</th>
                <Value figure={stats.checks.total} k={k} />
                <td />
              </tr>
              <tr>
                <th scope="row">{s.strong}</th>
                <Value figure={stats.checks.matches.strong} k={k} />
                <Value figure={stats.checks.matchRate.strong} k={k} format={percent} />
              </tr>
              <tr>
                <th scope="row">{s.possible}</th>
                <Value figure={stats.checks.matches.possible} k={k} />
                <Value figure={stats.checks.matchRate.possible} k={k} format={percent} />
              </tr>
            </tbody>
          </table>
        </div>
        <FigureTable
          caption={s.rescreenAndNotices}
          head={[s.measure, s.count]}
          k={k}
          rows={[
            [s.registrations, stats.rescreen.registrations],
            [s.notifications, stats.rescreen.notifications],
            [s.quotaExceeded, stats.notices.quotaExceeded],
            [s.possibleEnumeration, stats.notices.possibleEnumeration],
          ]}
        />
      </div>
      <div class="table-wrap">
        <table class="stats per-day">
          <caption>{s.perDay}</caption>
          <thead>
            <tr>
              <th scope="col">{s.day}</th>
              <th scope="col">{s.screened}</th>
            </tr>
          </thead>
          <tbody>
            {stats.checks.perDay.map((d, i) => (
              <tr key={d.day}>
                <th scope="row">{d.day}</th>
                {d.checks.suppressed ? (
                  <Value figure={d.checks} k={k} />
                ) : (
                  <td>
                    <span class="bar" style={{ width: `${(visible[i]! / most) * 8}rem` }} aria-hidden="true" /> {d.checks.value}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
