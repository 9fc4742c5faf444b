/** Alerts filed from this tab (ids only), so "My alerts" can show them on a server without the alert list. */
import { signal } from '@preact/signals';
import { onSignOut } from './session.ts';

export const filedHere = signal<readonly string[]>([]);
onSignOut(() => (filedHere.value = []));
