/** One screening answer, in words that cannot be misread at a glance. */
import { t } from '../text.ts';

export interface CheckResult {
  readonly checkId?: string;
  readonly result: 'no_match' | 'match';
  readonly confidence?: 'strong' | 'possible';
  readonly matchedOn?: readonly string[];
  readonly alerts?: readonly { category: string; severity: string; publishedOn?: string }[];
  readonly reportingPractices?: number;
  readonly guidance?: string;
}

export type Verdict = 'no_match' | 'match' | 'possible';

export const verdictOf = (result: CheckResult): Verdict =>
  result.result === 'no_match' ? 'no_match' : result.confidence === 'possible' ? 'possible' : 'match';

export function ResultPanel({ result }: { readonly result: CheckResult }) {
  const verdict = verdictOf(result);
  const heading = verdict === 'no_match' ? t.screen.noMatch : verdict === 'possible' ? t.screen.possible : t.screen.match;
  const text = verdict === 'no_match' ? t.screen.noMatchText : verdict === 'possible' ? t.screen.possibleText : t.screen.matchText;
  return (
    <article class={`verdict verdict-${verdict}`} aria-labelledby="verdict-title" data-verdict={verdict}>
      <p class="verdict-kicker">{t.screen.resultTitle}</p>
      <h3 id="verdict-title">
        <span class="verdict-icon" aria-hidden="true">
          {verdict === 'no_match' ? '✓' : verdict === 'possible' ? '?' : '!'}
        </span>{' '}
        {heading}
      </h3>
      <p>{text}</p>
      {verdict !== 'no_match' && (
        <>
          {result.matchedOn && result.matchedOn.length > 0 && (
            <p>
              {t.screen.matchedOn}: {result.matchedOn.map((field) => t.label.field(field)).join(', ')}
            </p>
          )}
          <h4>{t.screen.alertsHeading}</h4>
          <ul class="alert-list">
            {(result.alerts ?? []).map((alert, i) => (
              <li key={i}>
                <strong>{t.label.category(alert.category)}</strong> · {t.label.severity(alert.severity)} severity
                {alert.publishedOn && ` · ${t.screen.publishedOn} ${alert.publishedOn}`}
              </li>
            ))}
          </ul>
          {result.reportingPractices !== undefined && <p>{t.screen.reportingPractices(result.reportingPractices)}</p>}
          {result.guidance && (
            <>
              <h4>{t.screen.whatToDo}</h4>
              <p class="guidance">{result.guidance}</p>
            </>
          )}
        </>
      )}
      <p class="never-who">{t.screen.neverWho}</p>
      {result.checkId && (
        <p class="hint">
          {t.screen.checkRef}: <code>{result.checkId}</code>
        </p>
      )}
    </article>
  );
}
