/**
 * The shell: who the console acts as (always visible), the screens that role may use, and the
 * current screen. Navigation is state in memory, never the URL: nothing typed can end up in
 * the address bar or the history.
 */
import { signal } from '@preact/signals';
import type { ComponentType } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { identity, signOut, type Role } from './session.ts';
import { SignIn } from './sign-in.tsx';
import { t } from './text.ts';
import { screensFor, type ScreenId } from './screens.ts';
import { ConnectionNotice } from './ui.tsx';

const current = signal<ScreenId | undefined>(undefined);

export function App() {
  const who = identity.value;
  const main = useRef<HTMLElement>(null);
  const screens = who ? screensFor(who.role) : [];
  const active = screens.find((screen) => screen.id === current.value) ?? screens[0];
  useEffect(() => {
    document.title = active ? `${active.label} · ${t.appName}` : `${t.signIn.title} · ${t.appName}`;
  }, [active?.id]);
  const go = (id: ScreenId) => {
    current.value = id;
    main.current?.focus();
  };
  const Screen: ComponentType | undefined = active?.component;
  return (
    <>
      <a class="skip" href="#main">
        {t.skipToContent}
      </a>
      <header class="top">
        <div class="brand">
          <span class="logo" aria-hidden="true">
            ◆
          </span>
          <span>
            <strong>{t.appName}</strong>
            <span class="tagline">{t.appTagline}</span>
          </span>
        </div>
        {who && (
          <div class="who" data-testid="acting-as">
            <p>
              <span class="muted">{t.banner.actingAs}</span> <strong data-role={who.role}>{t.label.role(who.role)}</strong>
              {' · '}
              <span class="muted">{t.banner.practice}</span> <strong>{practiceLine(who.role, who.practiceName, who.practiceId)}</strong>
              {who.label && (
                <>
                  {' · '}
                  <span class="muted">{t.banner.key}</span> {who.label}
                </>
              )}
            </p>
            <button
              type="button"
              onClick={() => {
                current.value = undefined;
                signOut();
              }}
            >
              {t.banner.signOut}
            </button>
          </div>
        )}
      </header>
      {who && screens.length > 1 && (
        <nav aria-label={t.nav.label} class="tabs">
          <ul>
            {screens.map((screen) => (
              <li key={screen.id}>
                <button type="button" aria-current={screen.id === active?.id ? 'page' : undefined} onClick={() => go(screen.id)}>
                  {screen.label}
                </button>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <main id="main" tabIndex={-1} ref={main}>
        {who && <ConnectionNotice />}
        {Screen ? <Screen key={active!.id} /> : <SignIn />}
      </main>
    </>
  );
}

function practiceLine(role: Role, name: string | undefined, id: string | undefined): string {
  if (role === 'admin' || role === 'auditor') return t.banner.noPractice;
  if (name && id) return `${name} (${id})`;
  return name ?? id ?? t.banner.unknownPractice;
}
