/**
 * `npm run contract`: writes the OpenAPI document generated from the route table
 * (docs/openapi.json) and the client types generated from it (client/openapi-types.ts).
 * `--check` writes nothing and fails when either file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contractFiles } from './lib/contract-files.ts';

const root = join(import.meta.dirname, '..');
const check = process.argv.includes('--check');
let stale = 0;
for (const file of await contractFiles()) {
  const path = join(root, file.path);
  let current: string | undefined;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === file.text) continue;
  if (check) {
    process.stderr.write(`${file.path} is stale: run npm run contract\n`);
    stale += 1;
  } else {
    writeFileSync(path, file.text);
    process.stdout.write(`wrote ${file.path}\n`);
  }
}
if (stale > 0) process.exit(1);
