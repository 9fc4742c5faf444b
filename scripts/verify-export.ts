/**
 * `npm run verify-export -- <file> [--key <key file>] [--format jsonl|csv] [--manifest <file>]
 *   [--seal <seal file> …] [--find-token <token> …]`
 *
 * Verifies an audit export offline and prints one verdict. The key file is the network's
 * public key: a PEM file, or the JSON answer of GET /v1/audit/verification-key. With
 * --find-token, also lists the check entries whose bookings carry that token (counsel's
 * "was this person checked, and by whom"; the token comes from POST /v1/audit/subject-tokens).
 * With --seal (a seal from the Object Lock bucket), also checks that the export agrees with the
 * sealed chain head: what catches a history rewritten by someone holding the signing key.
 *
 * Exit codes: 0 verified; 1 not intact (names the first bad line and seq); 2 usage or
 * unreadable input; 3 the chain is intact but no key was given, so the signature is unchecked.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { exportFormats, type ExportFormat } from '#shared/audit/manifest.ts';
import { readVerificationKey, type VerificationKey } from '#shared/audit/statements.ts';
import { describeResult, verifyExportFile, type TokenMatch } from '#shared/audit/verify.ts';
import { parseSeal } from '#shared/audit/seal.ts';
import type { AuditSeal } from '#shared/records.ts';

const usage =
  'usage: npm run verify-export -- <file> [--key <pem or verification-key.json>] [--format jsonl|csv] [--manifest <file>] [--seal <seal file> ...] [--find-token <token> ...]';

const options = {
  key: { type: 'string' },
  format: { type: 'string' },
  manifest: { type: 'string' },
  'find-token': { type: 'string', multiple: true },
  seal: { type: 'string', multiple: true },
} as const;

/**
 * `--name value` as `--name=value` for every option that takes a value: parseArgs would take a
 * value that begins with '-' for an option, and tokens are base64url (one in 64 begins with '-').
 */
function valuesAttached(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const name = argv[i]!.startsWith('--') ? argv[i]!.slice(2) : '';
    if (Object.hasOwn(options, name) && i + 1 < argv.length) out.push(`--${name}=${argv[(i += 1)]}`);
    else out.push(argv[i]!);
  }
  return out;
}

export async function runVerifyExport(argv: readonly string[], print: (line: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: valuesAttached(argv), allowPositionals: true, options });
  } catch (error) {
    print(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const format = values.format as ExportFormat | undefined;
  if (positionals.length !== 1 || (format !== undefined && !exportFormats.includes(format))) {
    print(usage);
    return 2;
  }
  const path = positionals[0]!;
  let key: VerificationKey | undefined;
  try {
    if (values.key !== undefined) key = readVerificationKey(await readFile(values.key, 'utf8'));
  } catch (error) {
    print(`cannot read the key ${values.key}: ${(error as Error).message}`);
    return 2;
  }
  const seals: AuditSeal[] = [];
  for (const sealPath of values.seal ?? []) {
    try {
      seals.push(parseSeal(await readFile(sealPath, 'utf8')));
    } catch (error) {
      print(`cannot read the seal ${sealPath}: ${(error as Error).message}`);
      return 2;
    }
  }
  const tokens = values['find-token'] ?? [];
  const matches: TokenMatch[] = [];
  let result;
  try {
    result = await verifyExportFile(path, { format, key, manifestPath: values.manifest, findTokens: tokens, onMatch: (match) => matches.push(match), seals });
  } catch (error) {
    print(`cannot read ${path}: ${(error as Error).message}`);
    return 2;
  }
  print(describeResult(result, path));
  if (tokens.length > 0) {
    if (!result.ok || !result.signatureChecked) print('Note: the export did not fully verify, so the matches below are not proven.');
    for (const token of tokens) {
      const found = matches.filter((match) => match.token === token);
      print(`token ${token}: ${found.length === 0 ? 'in no entry read' : `in ${found.length} booking(s)`}`);
      for (const { line, entry, booking } of found) {
        const practice = entry.actor.practiceId ? ` of practice ${entry.actor.practiceId}` : '';
        // A batch's bookings each have their own check id; a single check's is the entry's.
        const ref = booking.checkId === entry.targets.checkId ? '' : ` ${booking.checkId}`;
        const confidence = booking.confidence ? ` (${booking.confidence})` : '';
        const checkId = entry.targets.checkId === undefined ? '' : ` ${entry.targets.checkId}`;
        print(`  seq ${entry.seq} (line ${line}) ${entry.at}: ${entry.action}${checkId} by ${entry.actor.role} key ${entry.actor.keyId}${practice}; booking${ref} checked [${booking.tokenKinds.join(', ')}] → ${booking.result}${confidence}`);
      }
    }
  }
  if (!result.ok) return 1;
  return result.signatureChecked ? 0 : 3;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runVerifyExport(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`)).then((code) => process.exit(code));
}
