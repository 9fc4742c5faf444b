import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const consoleSource = join(root, 'console');
export const consoleDist = join(root, 'dist', 'console');
const stamp = join(consoleDist, '.built');

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const name of readdirSync(path)) latest = Math.max(latest, newest(join(path, name)));
  return latest;
}

/** True when dist/console is missing or older than console/ or the lock file. */
export function consoleIsStale(): boolean {
  if (!existsSync(stamp) || !existsSync(join(consoleDist, 'index.html'))) return true;
  const built = statSync(stamp).mtimeMs;
  return newest(consoleSource) > built || statSync(join(root, 'package-lock.json')).mtimeMs > built;
}

/** Builds the console with Vite into dist/console when it is missing or stale (or always, with force). */
export async function ensureConsoleBuilt(options: { force?: boolean; log?: (line: string) => void } = {}): Promise<boolean> {
  if (!options.force && !consoleIsStale()) return false;
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const started = Date.now();
  log('Building the web console (dist/console)…');
  const { build } = await import('vite');
  await build({ configFile: join(consoleSource, 'vite.config.ts'), logLevel: 'warn' });
  writeFileSync(stamp, new Date().toISOString());
  log(`Built the web console in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return true;
}
