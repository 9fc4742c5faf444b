/** The sign-in form: one API key, checked against the server, then held in memory only. */
import { useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';
import { signIn } from './session.ts';
import { t } from './text.ts';
import { describeError, Input, Section } from './ui.tsx';
import { whoAmI } from './whoami.ts';

export function SignIn() {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async (event: Event) => {
    event.preventDefault();
    const key = input.current?.value.trim() ?? '';
    if (!key) {
      setError(t.signIn.empty);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const who = await whoAmI(key);
      if (input.current) input.current.value = '';
      signIn(key, who);
    } catch (failure) {
      setError(failure instanceof ApiError && failure.status === 401 ? t.signIn.wrongKey : describeError(failure));
      input.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <Section title={t.signIn.title} id="sign-in">
      <p class="intro">{t.signIn.intro}</p>
      <form onSubmit={submit} autocomplete="off" novalidate class="narrow">
        <Input id="api-key" type="password" label={t.signIn.keyLabel} hint={t.signIn.keyHint} error={error} ref={input} autocomplete="off" spellcheck={false} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t.signIn.checking : t.signIn.submit}
        </button>
      </form>
    </Section>
  );
}
