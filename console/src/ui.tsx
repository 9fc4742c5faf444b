/** Small building blocks every screen uses: labelled fields, error notices, downloads. */
import type { ComponentChildren, InputHTMLAttributes, SelectHTMLAttributes, TextareaHTMLAttributes } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError, type FieldError } from './api.ts';
import { unreachable } from './connection.ts';
import { t } from './text.ts';

/** The error message for one field, by the API's error path (`subject.phone` → `phone` with prefix `subject.`). */
export function fieldError(errors: readonly FieldError[] | undefined, path: string): string | undefined {
  const message = errors?.find((error) => error.path === path)?.message;
  return message && message.charAt(0).toUpperCase() + message.slice(1);
}

interface FieldProps {
  readonly id: string;
  readonly label: string;
  readonly error?: string | undefined;
  readonly hint?: string | undefined;
  readonly children: (describedBy: string | undefined, invalid: boolean) => ComponentChildren;
}

/** A visible label, the control, an optional hint and the error next to it (announced with the control). */
export function Field({ id, label, error, hint, children }: FieldProps) {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={error ? 'field invalid' : 'field'}>
      <label for={id}>{label}</label>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {children(ids, Boolean(error))}
      {error && (
        <p class="error-text" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

type InputProps = InputHTMLAttributes<HTMLInputElement> & {
  readonly label: string;
  readonly error?: string | undefined;
  readonly hint?: string | undefined;
  readonly id: string;
};

export function Input({ label, error, hint, id, ...rest }: InputProps) {
  return (
    <Field id={id} label={label} error={error} hint={hint}>
      {(describedBy, invalid) => <input id={id} name={id} aria-describedby={describedBy} aria-invalid={invalid || undefined} {...rest} />}
    </Field>
  );
}

type TextAreaProps = TextareaHTMLAttributes<HTMLTextAreaElement> & {
  readonly label: string;
  readonly error?: string | undefined;
  readonly hint?: string | undefined;
  readonly id: string;
};

export function TextArea({ label, error, hint, id, ...rest }: TextAreaProps) {
  return (
    <Field id={id} label={label} error={error} hint={hint}>
      {(describedBy, invalid) => <textarea id={id} name={id} rows={4} aria-describedby={describedBy} aria-invalid={invalid || undefined} {...rest} />}
    </Field>
  );
}

type SelectProps = SelectHTMLAttributes<HTMLSelectElement> & {
  readonly label: string;
  readonly error?: string | undefined;
  readonly id: string;
  readonly options: readonly (readonly [value: string, label: string])[];
};

export function Select({ label, error, id, options, ...rest }: SelectProps) {
  return (
    <Field id={id} label={label} error={error}>
      {(describedBy, invalid) => (
        <select id={id} name={id} aria-describedby={describedBy} aria-invalid={invalid || undefined} {...rest}>
          {options.map(([value, text]) => (
            <option key={value} value={value}>
              {text}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** How an API failure reads to a person: what went wrong and what to do. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return t.errors.unexpected;
  if (error.status === 0) return t.errors.offline;
  if (error.status === 401) return t.errors.unauthorized;
  if (error.status === 403) return t.errors.forbidden;
  if (error.status === 429) return t.errors.rateLimited(error.retryAfter);
  if (error.status >= 500) return t.errors.server;
  return [error.title, error.detail].filter(Boolean).join(': ');
}

/**
 * An error notice, focused when it appears so a keyboard or screen-reader user hears it. A server
 * that cannot be reached is not said here but once for the whole screen, by `ConnectionNotice`.
 */
export function ErrorNotice({ error }: { readonly error: unknown }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), [error]);
  if (!error || (error instanceof ApiError && error.status === 0)) return null;
  const fields = error instanceof ApiError && error.errors.length > 0;
  return (
    <div class="notice error" role="alert" tabIndex={-1} ref={ref}>
      <p>{fields ? t.errors.seeFields : describeError(error)}</p>
    </div>
  );
}

/**
 * The one notice that the server cannot be reached (connection.ts), kept in view at the top of the
 * screen while it lasts, whichever part of the screen found out; announced, never taking focus
 * away from a form being filled in.
 */
export function ConnectionNotice() {
  if (!unreachable.value) return null;
  return (
    <div class="notice error connection" role="alert" data-testid="connection-notice">
      <p>{t.errors.offline}</p>
    </div>
  );
}

/** Offers text as a file download (from memory; nothing is sent anywhere). */
export function download(filename: string, content: string | Blob, type = 'text/plain'): void {
  const blob = content instanceof Blob ? content : new Blob([content], { type });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function Section({ title, children, id }: { readonly title: string; readonly children: ComponentChildren; readonly id?: string }) {
  return (
    <section aria-labelledby={`${id ?? 'screen'}-title`}>
      <h2 id={`${id ?? 'screen'}-title`}>{title}</h2>
      {children}
    </section>
  );
}

/** A short date-time for tables: 2026-11-21 19:04 UTC. */
export const when = (iso: string | undefined): string => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '—');
