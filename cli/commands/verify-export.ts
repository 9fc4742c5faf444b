/**
 * `peerguard verify <file> [--key <key file>] [--format jsonl|csv] [--manifest <file>]
 *   [--seal <seal file> …] [--find-token <token> …]` (also `npm run verify-export -- …`)
 *
 * Verifies an audit export offline and prints one verdict. The key file is the network's
 * public key: a PEM file, or the JSON answer of GET /v1/audit/verification-key (`peerguard
 * audit key`). With --find-token, also lists the check entries whose bookings carry that token
 * (counsel's "was this person checked, and by whom"; the token comes from `peerguard audit
 * tokens`). With --seal (a seal from the Object Lock bucket), also checks that the export
 * agrees with the sealed chain head: what catches a history rewritten by someone holding the
 * signing key.
 *
 * A many-chain export (manifest version 2) is checked against its checkpoints: a jsonl export
 * carries them, a CSV export's come with --checkpoints (`peerguard export` writes them beside it);
 * --no-checkpoints verifies without them and the verdict says so.
 *
 * Exit codes: 0 verified; 1 not intact (names the first bad line and seq); 2 usage or
 * unreadable input; 3 the chains are intact but no key was given (the signature is unchecked),
 * or the checkpoints were skipped.
 */
import { readFile } from 'node:fs/promises';
import { listOption, parseCommandLine, stringOption, UsageError, type OptionSpecs, type OptionValues } from '../args.ts';
import type { Command } from '../command.ts';
import { exitCodes } from '../exit-codes.ts';
import { exportFormats, type ExportFormat } from '#shared/audit/manifest.ts';
import { readVerificationKey, type VerificationKey } from '#shared/audit/statements.ts';
import { describeResult, verifyExportFile, type TokenMatch } from '#shared/audit/verify.ts';
import { parseSeal } from '#shared/audit/seal.ts';
import type { AuditSeal } from '#shared/records.ts';

const usage =
  'usage: peerguard verify <file> [--key <pem or verification-key.json>] [--format jsonl|csv] [--manifest <file>] [--checkpoints <file> | --no-checkpoints] [--seal <seal file> ...] [--find-token <token> ...]';

const verifyOptions: OptionSpecs = {
  key: { type: 'string', value: 'FILE', description: "the network's public key: PEM, or the JSON of `peerguard audit key`" },
  format: { type: 'string', value: 'FORMAT', description: 'jsonl or csv (default: csv for a .csv file, else jsonl)' },
  manifest: { type: 'string', value: 'FILE', description: "a CSV export's manifest (<export>.manifest.json)" },
  checkpoints: {
    type: 'string',
    value: 'FILE',
    description: "the export's checkpoints, when the file does not carry them (a CSV export: <export>.checkpoints.jsonl)",
  },
  'no-checkpoints': { type: 'boolean', description: 'verify without checkpoints (the verdict is then INCOMPLETE, exit 3)' },
  seal: { type: 'string', multiple: true, value: 'FILE', description: 'a chain-head seal from the Object Lock bucket to check the export against' },
  'find-token': { type: 'string', multiple: true, value: 'TOKEN', description: 'list the checks whose bookings carry TOKEN (from `peerguard audit tokens`)' },
};

/** Verifies with parsed options; prints sentences, or one JSON document when `json`. */
async function verifyExport(values: OptionValues, positionals: readonly string[], print: (line: string) => void, json = false): Promise<number> {
  const format = stringOption(values, 'format') as ExportFormat | undefined;
  if (positionals.length !== 1 || (format !== undefined && !exportFormats.includes(format))) throw new UsageError(usage);
  const path = positionals[0]!;
  const keyPath = stringOption(values, 'key');
  let key: VerificationKey | undefined;
  try {
    if (keyPath !== undefined) key = readVerificationKey(await readFile(keyPath, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read the key ${keyPath}: ${(error as Error).message}`);
  }
  const seals: AuditSeal[] = [];
  for (const sealPath of listOption(values, 'seal')) {
    try {
      seals.push(parseSeal(await readFile(sealPath, 'utf8')));
    } catch (error) {
      throw new UsageError(`cannot read the seal ${sealPath}: ${(error as Error).message}`);
    }
  }
  const tokens = listOption(values, 'find-token');
  const matches: TokenMatch[] = [];
  let result;
  try {
    const checkpointsPath = stringOption(values, 'checkpoints');
    const skipCheckpoints = values['no-checkpoints'] === true;
    if (skipCheckpoints && checkpointsPath !== undefined) throw new UsageError('give --checkpoints or --no-checkpoints, not both');
    result = await verifyExportFile(path, {
      format,
      key,
      manifestPath: stringOption(values, 'manifest'),
      findTokens: tokens,
      onMatch: (match) => matches.push(match),
      seals,
      checkpointsPath,
      skipCheckpoints,
    });
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
  const code = !result.ok
    ? exitCodes.verificationFailed
    : result.signatureChecked && result.checkpoints !== 'skipped'
      ? exitCodes.ok
      : exitCodes.signatureUnchecked;
  if (json) {
    const incomplete = result.signatureChecked ? 'checkpoints_unchecked' : 'signature_unchecked';
    print(
      JSON.stringify(
        {
          ...result,
          verdict: code === 0 ? 'verified' : code === 1 ? 'failed' : incomplete,
          ...(tokens.length > 0 ? { matches: tokens.map((token) => ({ token, found: matches.filter((m) => m.token === token).map(matchJson) })) } : {}),
        },
        null,
        2,
      ),
    );
    return code;
  }
  print(describeResult(result, path));
  if (tokens.length > 0) {
    if (code !== exitCodes.ok) print('Note: the export did not fully verify, so the matches below are not proven.');
    for (const token of tokens) {
      const found = matches.filter((match) => match.token === token);
      print(`token ${token}: ${found.length === 0 ? 'in no entry read' : `in ${found.length} booking(s)`}`);
      for (const { line, entry, booking } of found) {
        const practice = entry.actor.practiceId ? ` of practice ${entry.actor.practiceId}` : '';
        // A batch's bookings each have their own check id; a single check's is the entry's.
        const ref = booking.checkId === entry.targets.checkId ? '' : ` ${booking.checkId}`;
        const confidence = booking.confidence ? ` (${booking.confidence})` : '';
        const checkId = entry.targets.checkId === undefined ? '' : ` ${entry.targets.checkId}`;
        print(
          `  seq ${entry.seq} (line ${line}) ${entry.at}: ${entry.action}${checkId} by ${entry.actor.role} key ${entry.actor.keyId}${practice}; booking${ref} checked [${booking.tokenKinds.join(', ')}] → ${booking.result}${confidence}`,
        );
      }
    }
  }
  return code;
}

function matchJson({ line, entry, booking }: TokenMatch) {
  return {
    line,
    seq: entry.seq,
    at: entry.at,
    action: entry.action,
    checkId: booking.checkId,
    actor: entry.actor,
    tokenKinds: booking.tokenKinds,
    result: booking.result,
    confidence: booking.confidence,
  };
}

/** The verifier as a function of its arguments (tests, and the scripts before the CLI). */
export async function runVerifyExport(argv: readonly string[], print: (line: string) => void): Promise<number> {
  try {
    const { values, positionals } = parseCommandLine(argv, verifyOptions);
    return await verifyExport(values, positionals, print);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    print(error.message === usage ? usage : `${error.message}\n${usage}`);
    return exitCodes.usage;
  }
}

export const verify: Command = {
  name: 'verify',
  summary: 'verify an audit export offline (hash chain, manifest signature, seals)',
  usage: '<export.jsonl|export.csv> [--key key.json] [--manifest FILE] [--seal FILE …] [--find-token TOKEN …]',
  positionals: 1,
  options: verifyOptions,
  server: false,
  examples: ['peerguard verify nov.jsonl --key key.json', 'peerguard verify nov.csv --key key.json --manifest nov.csv.manifest.json'],
  details: [
    "A many-chain export is verified with its checkpoints (a jsonl export carries them; give a CSV export's with --checkpoints); --no-checkpoints skips them and says so.",
    'Exit codes: 0 verified, 1 NOT intact (names the first bad line and seq), 2 unreadable input, 3 intact but no --key given, or checkpoints skipped.',
  ],
  run: (context) => verifyExport(context.values, context.positionals, (line) => context.io.stdout(`${line}\n`), context.json),
};
