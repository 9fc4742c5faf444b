/**
 * Verifies a jsonl audit export in the browser: the same chain checks and the same verdict
 * words as `npm run verify-export` (shared/audit/verify.ts's ChainCheck and describeResult,
 * bundled as they are), the same checkpoint reading (checkpointLines) and the same key and
 * statement-type rule (statementKey), with the ECDSA P-256 signatures checked by WebCrypto.
 */
import { canonicalJson } from '../../../shared/canonical.ts';
import { ChainCheck, describeResult, type TokenMatch, type VerifyFailure, type VerifyResult } from '../../../shared/audit/verify.ts';
import { tokensInBooking } from '../../../shared/audit/check-tokens.ts';
import { entryFromJson, EntryFormatError } from '../../../shared/audit/export-format.ts';
import { manifestStatement, parseManifest, type Manifest } from '../../../shared/audit/manifest.ts';
import { checkpointStatement, isCheckpointValue } from '../../../shared/audit/checkpoint.ts';
import { signatureMismatch, statementKey } from '../../../shared/audit/statement-key.ts';
import type { StatementType } from '../../../shared/audit/statement-types.ts';
import type { SignatureProblem, VerificationKey } from '../../../shared/audit/statements.ts';
import { ChainsCheck, checkCheckpoints, checkpointLines, type CheckpointExpectations } from '../../../shared/audit/verify-chains.ts';

/** The answer of GET /v1/audit/verification-key (its `keys`, when given, name the key of each statement type). */
export type BrowserKey = VerificationKey & { readonly keyId: string };

export interface BrowserVerdict {
  readonly result: VerifyResult;
  readonly text: string;
  readonly matches: TokenMatch[];
}

const bytes = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

/** DER `SEQUENCE { INTEGER r, INTEGER s }` → the 64-byte r‖s WebCrypto verifies. */
function derToRaw(der: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
  let at = 2;
  if (der[0] !== 0x30) return undefined;
  if (der[1]! & 0x80) at += der[1]! & 0x7f;
  const out = new Uint8Array(64);
  for (let part = 0; part < 2; part += 1) {
    if (der[at] !== 0x02) return undefined;
    let length = der[at + 1]!;
    let start = at + 2;
    at = start + length;
    while (length > 32 && der[start] === 0) (start += 1), (length -= 1);
    if (length > 32) return undefined;
    out.set(der.subarray(start, start + length), part * 32 + (32 - length));
  }
  return out;
}

async function signatureValid(publicKeyPem: string, statement: object, signature: string): Promise<boolean> {
  try {
    const pem = publicKeyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    const publicKey = await crypto.subtle.importKey('spki', bytes(pem), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    const raw = derToRaw(bytes(signature));
    if (!raw) return false;
    return await crypto.subtle.verify(
      { name: 'ECDSA', hash: 'SHA-256' },
      publicKey,
      raw as Uint8Array<ArrayBuffer>,
      new TextEncoder().encode(canonicalJson(statement)),
    );
  } catch {
    return false;
  }
}

/** checkSignature of shared/audit/statements.ts, with WebCrypto: the same rule (statementKey), the same answers. */
async function checkSignature(
  key: BrowserKey,
  what: string,
  statement: object,
  signature: string,
  keyId: string,
  type: StatementType,
): Promise<SignatureProblem | undefined> {
  const chosen = statementKey(key, what, statement, keyId, type);
  if ('problem' in chosen) return chosen.problem;
  return (await signatureValid(chosen.publicKeyPem, statement, signature)) ? undefined : signatureMismatch(what);
}

const isManifest = (value: unknown): boolean => value !== null && typeof value === 'object' && (value as { type?: unknown }).type === 'manifest';

export async function verifyExportText(text: string, source: string, key: BrowserKey | undefined, findTokens: readonly string[] = []): Promise<BrowserVerdict> {
  const matches: TokenMatch[] = [];
  const finish = (result: VerifyResult): BrowserVerdict => ({ result, text: describeResult(result, source), matches });
  const unverified = (failure: VerifyFailure, manifest?: Manifest) => finish({ ok: false, manifest, signatureChecked: false, entries: 0, failure });

  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let lastValue: unknown;
  try {
    lastValue = JSON.parse(lines[lines.length - 1] ?? '');
  } catch {
    lastValue = undefined;
  }
  if (!isManifest(lastValue))
    return unverified({ code: 'manifest_missing', message: 'the file does not end with a manifest line: it is incomplete, or not an export' });
  const parsed = parseManifest(lastValue);
  if ('error' in parsed) return unverified({ code: 'manifest_malformed', message: `the manifest is malformed: ${parsed.error}` });
  const manifest = parsed.manifest;
  if (manifest.format !== 'jsonl')
    return unverified({ code: 'manifest_format', message: `the manifest is for a ${manifest.format} export, but this file is read as jsonl` }, manifest);
  if (key) {
    const problem = await checkSignature(key, "the manifest's", manifestStatement(manifest), manifest.signature, manifest.keyId, 'manifest');
    if (problem) return unverified(problem, manifest);
  }

  // A many-chain export: its checkpoint lines first (signatures, tree heads, links), then the chains against them.
  let expectations: CheckpointExpectations | undefined;
  if (manifest.version === 2) {
    const given = await checkpointLines(lines);
    if ('failure' in given) return unverified(given.failure, manifest);
    const checked = await checkCheckpoints(
      manifest,
      given.checkpoints,
      key
        ? async (checkpoint) =>
            (await checkSignature(key, 'its', checkpointStatement(checkpoint), checkpoint.signature, checkpoint.keyId, 'checkpoint'))?.message
        : undefined,
    );
    if ('failure' in checked) return unverified(checked.failure, manifest);
    expectations = checked.expectations;
  }

  const chain = manifest.version === 2 ? new ChainsCheck(manifest, expectations) : new ChainCheck(manifest);
  const wanted = new Set(findTokens);
  const manifestText = canonicalJson(manifest);
  const done = (failure?: VerifyFailure) =>
    finish({
      ok: failure === undefined,
      manifest,
      signatureChecked: key !== undefined,
      entries: chain.entries,
      failure,
      sealsMatched: 0,
      ...(manifest.version === 2 ? { checkpoints: expectations?.count ?? 'skipped' } : {}),
    });
  let manifestLine: number | undefined;
  for (let i = 0; i < lines.length; i += 1) {
    const number = i + 1;
    const line = lines[i]!;
    if (manifestLine !== undefined)
      return done({ code: 'after_manifest', line: number, message: `line ${number}: content after the manifest on line ${manifestLine}` });
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return done({ code: 'malformed_entry', line: number, message: `line ${number}: not an audit entry (not JSON)` });
    }
    if (isCheckpointValue(value)) continue;
    if (isManifest(value)) {
      if (canonicalJson(value) !== manifestText)
        return done({ code: 'manifest_mismatch', line: number, message: `line ${number}: this manifest line differs from the manifest being verified` });
      manifestLine = number;
      continue;
    }
    let entry;
    try {
      entry = entryFromJson(value);
    } catch (error) {
      if (!(error instanceof EntryFormatError)) throw error;
      return done({ code: 'malformed_entry', line: number, message: `line ${number}: not an audit entry (${error.message})` });
    }
    const failure = chain.push(entry, number);
    if (failure) return done(failure);
    if (wanted.size > 0) {
      for (const booking of entry.bookings ?? []) for (const token of tokensInBooking(booking, wanted)) matches.push({ token, line: number, entry, booking });
    }
  }
  return done(chain.finish());
}
