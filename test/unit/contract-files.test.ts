import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contractFiles } from '../../scripts/lib/contract-files.ts';

const root = join(import.meta.dirname, '..', '..');

/**
 * docs/openapi.json and client/openapi-types.ts are generated from the route table
 * (`npm run contract`) and committed; a change to a route, a schema or a description that was
 * not followed by `npm run contract` fails here.
 */
describe('the committed contract files', () => {
  it.each(['docs/openapi.json', 'client/openapi-types.ts'])('%s is what npm run contract writes now', async (path) => {
    const generated = (await contractFiles()).find((file) => file.path === path);
    expect(generated, path).toBeDefined();
    const committed = readFileSync(join(root, path), 'utf8');
    expect(committed === generated!.text, `${path} is stale: run npm run contract and commit the result`).toBe(true);
  });
});
