#!/usr/bin/env node
// The package's `peerguard` bin: runs the bundled CLI, dist/cli/peerguard.mjs, which
// `npm run build:cli` makes (`npm install`, `npm ci` and `npm pack` run it as `prepare`).
// In a checkout, `npm run peerguard -- <command>` runs the TypeScript sources instead.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/cli/peerguard.mjs', import.meta.url);
if (existsSync(bundle)) {
  await import(bundle.href);
} else {
  process.stderr.write(`peerguard is not built: run "npm run build:cli" in ${new URL('..', import.meta.url).pathname}\n`);
  process.exitCode = 70;
}
