/**
 * `npm run build:cli` (and `prepare`, so `npm install` / `npm ci` / `npm pack` run it): bundles
 * the CLI into one plain-JS file, dist/cli/peerguard.mjs, that the package's `bin`
 * (cli/peerguard.mjs) runs with nothing but Node, so a global install needs no tsx.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const defaultOutfile = `${root}dist/cli/peerguard.mjs`;

export async function buildCli(outfile = defaultOutfile): Promise<string> {
  await build({
    entryPoints: [`${root}cli/main.ts`],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // A CommonJS dependency bundled into ESM may still call require() for Node built-ins.
    banner: { js: "import { createRequire as __peerguardRequire } from 'node:module'; const require = __peerguardRequire(import.meta.url);" },
    legalComments: 'none',
    logLevel: 'warning',
  });
  return outfile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outfile = await buildCli(process.argv[2]);
  process.stdout.write(`built ${outfile}\n`);
}
