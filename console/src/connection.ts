/**
 * Whether the server can be reached, as the last API request found it. Every request sets it
 * (api.ts); the shell's connection notice reads it, and screens leave that failure to it: a
 * stopped server is said once, however many parts of a screen asked the server at the time, and
 * the notice goes away by itself with the first answer the server gives again.
 */
import { signal } from '@preact/signals';

export const unreachable = signal(false);
