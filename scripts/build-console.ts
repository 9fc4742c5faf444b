/** `npm run build:console` (and before `npm start`): builds the web console into dist/console when missing or stale; `--force` always. */
import { ensureConsoleBuilt } from './lib/console-build.ts';

ensureConsoleBuilt({ force: process.argv.includes('--force') }).catch((error: unknown) => {
  process.stderr.write(`The web console could not be built: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
