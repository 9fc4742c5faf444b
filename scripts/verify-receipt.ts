/**
 * `npm run verify-receipt -- <file.json> --key <key file>`
 *
 * Verifies, offline and with the network's public key only, either
 * - a submission receipt: `{ "receipt": {alertId, submittedAt, practiceId, contentSha256,
 *   signature, keyId}, "body": <the JSON body exactly as submitted> }`, or
 * - a publication signature: `{ "publication": {contentSha256, signature, keyId},
 *   "statement": <the alert's publication statement> }`.
 * The same signature check as export manifests (shared/audit/statements.ts). Prints ids and
 * instants only, never anything from the body. Exit codes: 0 verified, 1 not, 2 usage.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { readVerificationKey, verifySignedFile } from '#shared/audit/statements.ts';

const usage = 'usage: npm run verify-receipt -- <file.json> --key <pem or verification-key.json>';

export async function runVerifyReceipt(argv: readonly string[], print: (line: string) => void): Promise<number> {
  let file: unknown;
  let key;
  try {
    const { values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, options: { key: { type: 'string' } } });
    if (positionals.length !== 1 || values.key === undefined) {
      print(usage);
      return 2;
    }
    key = readVerificationKey(await readFile(values.key, 'utf8'));
    file = JSON.parse(await readFile(positionals[0]!, 'utf8'));
  } catch (error) {
    // Never echo the file's content: it holds the submitted body.
    print(`${error instanceof SyntaxError ? 'the file is not JSON' : (error as Error).message}\n${usage}`);
    return 2;
  }
  const verdict = verifySignedFile(key, file);
  print(verdict.ok ? `VERIFIED: ${verdict.summary}.` : `FAILED: ${verdict.reason}.`);
  return verdict.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runVerifyReceipt(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`)).then((code) => process.exit(code));
}
