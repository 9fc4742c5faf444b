import { ensureConsoleBuilt } from '../../scripts/lib/console-build.ts';

/** Builds the web console once before the run when dist/console is missing or stale (the browser suite serves it). */
export default async function setup(): Promise<void> {
  await ensureConsoleBuilt({ log: () => undefined });
}
