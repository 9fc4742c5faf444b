/**
 * `peerguard verify-receipt <file.json> --key <key file>` (also `npm run verify-receipt -- …`)
 *
 * Verifies, offline and with the network's public key only, either
 * - a submission receipt: `{ "receipt": {alertId, submittedAt, practiceId, contentSha256,
 *   signature, keyId}, "body": <the JSON body exactly as submitted> }` (what `peerguard alert
 *   submit --out` writes), or
 * - a publication signature: `{ "publication": {contentSha256, signature, keyId},
 *   "statement": <the alert's publication statement> }`.
 * The same signature check as export manifests (shared/audit/statements.ts). Prints ids and
 * instants only, never anything from the body. Exit codes: 0 verified, 1 not, 2 usage.
 */
import { readFile } from 'node:fs/promises';
import { parseCommandLine, stringOption, UsageError, type OptionSpecs, type OptionValues } from '../args.ts';
import type { Command } from '../command.ts';
import { exitCodes } from '../exit-codes.ts';
import { readVerificationKey, verifySignedFile } from '#shared/audit/statements.ts';

const usage = 'usage: peerguard verify-receipt <file.json> --key <pem or verification-key.json>';

const options: OptionSpecs = { key: { type: 'string', value: 'FILE', description: "the network's public key: PEM, or the JSON of `peerguard audit key`" } };

async function verifyReceipt(values: OptionValues, positionals: readonly string[], print: (line: string) => void, json = false): Promise<number> {
  const keyPath = stringOption(values, 'key');
  if (positionals.length !== 1 || keyPath === undefined) throw new UsageError(usage);
  let file: unknown;
  let key;
  try {
    key = readVerificationKey(await readFile(keyPath, 'utf8'));
    file = JSON.parse(await readFile(positionals[0]!, 'utf8'));
  } catch (error) {
    // Never echo the file's content: it holds the submitted body.
    throw new UsageError(`${error instanceof SyntaxError ? 'the file is not JSON' : (error as Error).message}\n${usage}`);
  }
  const verdict = verifySignedFile(key, file);
  if (json) print(JSON.stringify(verdict, null, 2));
  else print(verdict.ok ? `VERIFIED: ${verdict.summary}.` : `FAILED: ${verdict.reason}.`);
  return verdict.ok ? exitCodes.ok : exitCodes.verificationFailed;
}

export async function runVerifyReceipt(argv: readonly string[], print: (line: string) => void): Promise<number> {
  try {
    const { values, positionals } = parseCommandLine(argv, options);
    return await verifyReceipt(values, positionals, print);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    print(error.message);
    return exitCodes.usage;
  }
}

export const verifyReceiptCommand: Command = {
  name: 'verify-receipt',
  summary: 'verify a submission receipt (or a publication signature) offline',
  usage: '<receipt.json> --key key.json',
  positionals: 1,
  options,
  server: false,
  examples: ['peerguard verify-receipt receipt.json --key key.json'],
  details: ['receipt.json is what `peerguard alert submit --out` wrote. Exit codes: 0 verified, 1 NOT verified, 2 unreadable input.'],
  run: (context) => verifyReceipt(context.values, context.positionals, (line) => context.io.stdout(`${line}\n`), context.json),
};
