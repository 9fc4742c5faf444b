/**
 * Sign-in, kept as one replaceable piece (staff accounts will replace it): an API key pasted
 * once, held in this module's memory for this tab only. Never written to localStorage,
 * sessionStorage, a cookie or the URL; a reload or sign-out forgets it.
 */
import { signal } from '@preact/signals';

export type Role = 'admin' | 'reviewer' | 'practice' | 'auditor';

export interface Identity {
  readonly role: Role;
  readonly keyId?: string | undefined;
  readonly label?: string | undefined;
  readonly practiceId?: string | undefined;
  readonly practiceName?: string | undefined;
}

let key: string | undefined;

/** Who the console acts as; undefined when signed out. */
export const identity = signal<Identity | undefined>(undefined);

export const currentKey = (): string | undefined => key;

export function signIn(apiKey: string, who: Identity): void {
  key = apiKey;
  identity.value = who;
}

const forgetters: (() => void)[] = [];

/** Registers what to forget on sign-out (lists kept in memory for this key). */
export function onSignOut(forget: () => void): void {
  forgetters.push(forget);
}

export function signOut(): void {
  key = undefined;
  identity.value = undefined;
  for (const forget of forgetters) forget();
}
