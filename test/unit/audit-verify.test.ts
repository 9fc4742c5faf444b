import { generateKeyPairSync } from 'node:crypto';
import { checkTokenDigest } from '#shared/audit/check-tokens.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryHash } from '#shared/audit/chain.ts';
import { csvColumns, csvLine, csvNewline, toCsvRow, toJsonLine } from '#shared/audit/export-format.ts';
import { manifestLine, manifestStatement, signManifest, type Manifest } from '#shared/audit/manifest.ts';
import type { VerificationKey } from '#shared/audit/statements.ts';
import { verifyExportFile, type VerifyOptions } from '#shared/audit/verify.ts';
import { buildLocalSigner } from '#shared/adapters/local/local-signer.ts';
import { signStatement } from '#shared/domain/signing.ts';
import type { Signer } from '#shared/ports.ts';
import type { AuditEntry, AuditEvent, AuditSeal } from '#shared/records.ts';
import { expectedFailure, kindsFor, tamper, type TamperKind, type TamperPlan } from '../../scripts/lib/audit-tamper.ts';
import { runVerifyExport } from '../../cli/commands/verify-export.ts';
import { memoryAuditLog } from '../fakes/memory-audit.ts';

/**
 * The offline verifier against every way an export can be changed: each case must fail with
 * its own message, naming the first line and sequence number that is not the signed chain.
 */
const newSigner = (): Signer =>
  buildLocalSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());

let dir: string;
let signer: Signer;
let key: VerificationKey;
let entries: AuditEntry[];
let manifest: Manifest;
let lines: string[];
let counter = 0;

const event = (i: number): AuditEvent =>
  i % 3 === 0
    ? {
        action: 'check.performed',
        actor: { keyId: 'key_desk', role: 'practice', practiceId: 'prc_valley' },
        targets: { checkId: `chk_${i}` },
        outcome: i % 2 === 0 ? 'match' : 'no_match',
        bookings: [
          {
            checkId: `chk_${i}`,
            tokenKinds: ['phone', 'name'],
            tokenDigests: [checkTokenDigest(`chk_${i}`, `tok-phone-${i}`), checkTokenDigest(`chk_${i}`, 'tok-name-shared')],
            result: i % 2 === 0 ? 'match' : 'no_match',
            ...(i % 2 === 0 ? { confidence: 'strong' as const } : {}),
          },
        ],
      }
    : {
        action: 'alert.approved',
        actor: { keyId: 'key_rev', role: 'reviewer', practiceId: 'prc_elm' },
        targets: { alertId: `alt_${i}` },
        outcome: 'pending_review',
      };

/** Writes lines (each ending in LF) to a new file and returns its path. */
function file(content: readonly string[] | string, extension = 'jsonl'): string {
  const path = join(dir, `export-${(counter += 1)}.${extension}`);
  writeFileSync(path, typeof content === 'string' ? content : content.map((line) => `${line}\n`).join(''));
  return path;
}

const verify = (content: readonly string[] | string, options: VerifyOptions = { key }) => verifyExportFile(file(content), options);

async function collectLines(source: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of source) out.push(line);
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peerguard-verify-'));
  signer = newSigner();
  key = { publicKeyPem: await signer.publicKeyPem(), keyId: signer.keyId };
  // Twenty entries over four days (five a day); the export covers days two and three: seq 6 to 15.
  const log = memoryAuditLog();
  for (let i = 0; i < 20; i += 1) await log.append([event(i)], new Date(Date.UTC(2026, 10, 1 + Math.floor(i / 5), 9, i)));
  const range = (await log.bounds('2026-11-02T00:00:00Z', '2026-11-04T00:00:00Z'))!;
  manifest = await signManifest(
    signer,
    {
      exportId: 'exp_0000000000000000000000000a',
      exportedBy: 'key_counsel',
      format: 'jsonl',
      from: '2026-11-02',
      to: '2026-11-03',
      generatedAt: '2026-11-21T19:04:05Z',
    },
    range,
  );
  entries = log.entries.filter((entry) => entry.seq >= 6 && entry.seq <= 15);
  lines = [...entries.map(toJsonLine), manifestLine(manifest)];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an intact export', () => {
  it('verifies: every hash, the chain from firstPrevHash to headHash, the count and the signature', async () => {
    expect(manifest).toMatchObject({ count: 10, firstSeq: 6, lastSeq: 15, firstPrevHash: entries[0]!.prevHash, headHash: entries[9]!.hash });
    const result = await verify(lines);
    expect(result).toMatchObject({ ok: true, signatureChecked: true, entries: 10 });
    expect(result.failure).toBeUndefined();
  });

  it('verifies an empty range, whose manifest has count 0 and nulls', async () => {
    const empty = await signManifest(signer, { ...manifest, from: '2027-01-01', to: '2027-01-01' }, undefined);
    expect(empty).toMatchObject({ count: 0, firstSeq: null, headHash: null, firstAt: null });
    expect(await verify([manifestLine(empty)])).toMatchObject({ ok: true, entries: 0 });
    expect((await verify([lines[0]!, manifestLine(empty)])).failure).toEqual({
      code: 'beyond_manifest',
      line: 1,
      seq: 6,
      message: 'line 1, seq 6: an entry after the last one the manifest covers (the manifest covers no entries)',
    });
  });

  it('verifies when a tool re-formatted the manifest line (it is compared as canonical JSON)', async () => {
    const spaced = JSON.stringify(JSON.parse(lines.at(-1)!))
      .replaceAll('":', '": ')
      .replaceAll(',"', ', "');
    expect(spaced).toContain('"type": "manifest"');
    expect(await verify([...lines.slice(0, -1), spaced])).toMatchObject({ ok: true, entries: 10 });
  });

  it('without a key is only "intact", never "verified" (exit code 3)', async () => {
    const result = await verify(lines, {});
    expect(result).toMatchObject({ ok: true, signatureChecked: false });
    const printed: string[] = [];
    expect(await runVerifyExport([file(lines)], (line) => printed.push(line))).toBe(3);
    expect(printed[0]).toMatch(/^INCOMPLETE: .* the manifest's signature was NOT checked/);
  });
});

describe('each kind of tampering is caught, with its own message and the first bad seq', () => {
  const plan = (): TamperPlan => ({ manifest, target: 10, tail: 3, networkSigner: signer });
  const messages: Partial<Record<TamperKind, string>> = {
    edited_field: "line 5, seq 10: the entry's content does not match its hash: the entry was edited",
    removed_entry: 'line 5: expected seq 10 but found seq 11: entry 10 was removed or moved',
    swapped_entries: 'line 5: expected seq 10 but found seq 11: entry 10 was removed or moved',
    inserted_entry: 'line 7: seq 11 again where seq 12 was expected: an entry was inserted or moved',
    truncated_tail: 'the file ends after seq 12 (line 7), but the manifest covers seq 6 to 15: 3 entries are missing from seq 13 on',
    foreign_key_manifest: "the manifest's signature does not verify with the given public key: it was changed after signing, or signed by another key",
    head_mismatch_manifest: "line 10, seq 15: the last entry's hash is not the manifest's headHash: the manifest does not describe these entries",
  };

  it('a one-chain export takes the one-chain cases', () => {
    expect(kindsFor(manifest)).toEqual(Object.keys(messages));
  });

  for (const kind of Object.keys(messages) as TamperKind[]) {
    it(kind.replaceAll('_', ' '), async () => {
      const tampered = await collectLines(tamper(lines, kind, plan()));
      expect(tampered).not.toEqual(lines);
      const { failure, ok } = await verify(tampered);
      expect(ok).toBe(false);
      expect(failure?.message).toBe(messages[kind]);
      expect({ code: failure?.code, seq: failure?.seq, exit: 1 }).toEqual(expectedFailure(kind, plan()));
    });
  }

  it('an edited entry whose hash was recomputed breaks the chain at the next entry', async () => {
    const { hash: _hash, ...unhashed } = { ...entries[4]!, outcome: 'rejected' };
    const rehashed = lines.map((line, i) => (i === 4 ? toJsonLine({ ...unhashed, hash: entryHash(unhashed) }) : line));
    const { failure } = await verify(rehashed);
    expect(failure).toEqual({
      code: 'chain_break',
      line: 6,
      seq: 11,
      message: 'line 6, seq 11: prevHash is not the hash of seq 10 on line 5: the chain is broken before this entry',
    });
  });

  it('a removed first entry is missing at line 1', async () => {
    expect((await verify(lines.slice(1))).failure).toMatchObject({
      code: 'seq_gap',
      line: 1,
      seq: 6,
      message: 'line 1: expected seq 6 but found seq 7: entry 6 was removed or moved',
    });
  });

  it('a manifest edited without re-signing (a smaller count) fails its signature', async () => {
    const shrunk: Manifest = { ...manifest, count: 7, lastSeq: 12, headHash: entries[6]!.hash, lastAt: entries[6]!.at };
    const { failure } = await verify([...lines.slice(0, 7), manifestLine(shrunk)]);
    expect(failure?.code).toBe('bad_signature');
  });

  it('a manifest naming another key id than the key file fails before any entry is read', async () => {
    const { failure } = await verify(lines, { key: { ...key, keyId: 'arn:aws:kms:eu-west-1:1:key/other' } });
    expect(failure).toEqual({
      code: 'wrong_key',
      message: `the manifest's names signing key ${signer.keyId}, but the given public key is arn:aws:kms:eu-west-1:1:key/other`,
    });
  });

  it('a manifest whose firstPrevHash does not lead into the entries is a broken chain at line 1', async () => {
    const statement = { ...manifestStatement(manifest), firstPrevHash: 'f'.repeat(64) };
    const resigned = { ...statement, ...(await signStatement(signer, statement)) };
    expect((await verify([...lines.slice(0, -1), manifestLine(resigned)])).failure).toMatchObject({ code: 'chain_break', line: 1, seq: 6 });
  });

  it('a file without its manifest line, or with content after it, or with a foreign manifest inside, fails', async () => {
    expect((await verify(lines.slice(0, -1))).failure).toMatchObject({
      code: 'manifest_missing',
      message: 'the file does not end with a manifest line: it is incomplete, or not an export',
    });
    expect((await verify([...lines, ...lines.slice(-1)])).failure).toMatchObject({
      code: 'after_manifest',
      line: 12,
      message: 'line 12: content after the manifest on line 11',
    });
    const other = manifestLine(
      await signManifest(signer, { ...manifest, exportId: 'exp_0000000000000000000000000b' }, { first: entries[0]!, last: entries[9]! }),
    );
    expect((await verify([...lines.slice(0, 3), other, ...lines.slice(3)])).failure).toMatchObject({ code: 'manifest_mismatch', line: 4 });
  });

  it('a malformed line or a manifest of the wrong shape or format is named', async () => {
    expect((await verify([lines[0]!, '{"seq":7}', ...lines.slice(2)])).failure).toMatchObject({
      code: 'malformed_entry',
      line: 2,
      message: 'line 2: not an audit entry (at: expected string, received undefined)',
    });
    const bad = { ...manifest, count: -1 };
    expect((await verify([...lines.slice(0, -1), JSON.stringify(bad)])).failure?.message).toBe(
      'the manifest is malformed: count Too small: expected number to be >=0',
    );
    expect((await verifyExportFile(file(lines), { key, format: 'csv', manifestPath: file(manifestLine(manifest), 'json') })).failure).toMatchObject({
      code: 'manifest_format',
      message: 'the manifest is for a jsonl export, but this file is read as csv',
    });
  });
});

describe('a csv export with its manifest file', () => {
  let csvManifest: Manifest;
  let csv: string;
  beforeAll(async () => {
    csvManifest = await signManifest(signer, { ...manifest, format: 'csv' }, { first: entries[0]!, last: entries[9]! });
    csv = csvLine([...csvColumns]) + entries.map((entry) => toCsvRow(entry) + csvNewline).join('');
  });
  const verifyCsv = (content: string, manifestPath?: string) => verifyExportFile(file(content, 'csv'), { key, manifestPath });

  it('verifies', async () => {
    expect(await verifyCsv(csv, file(manifestLine(csvManifest), 'json'))).toMatchObject({ ok: true, entries: 10 });
  });

  it('catches an edited cell on its line, and needs the manifest file', async () => {
    const edited = csv.replace(',pending_review,', ',published,');
    expect((await verifyCsv(edited, file(manifestLine(csvManifest), 'json'))).failure).toMatchObject({ code: 'hash_mismatch', line: 2, seq: 6 });
    expect((await verifyCsv(csv)).failure?.message).toBe(
      "a CSV export's manifest is a separate file: pass --manifest <file> (audit-export writes <out>.manifest.json)",
    );
    expect((await verifyCsv(csv.replace('actorKeyId', 'actor'), file(manifestLine(csvManifest), 'json'))).failure?.code).toBe('csv_header');
  });
});

describe("counsel's query: --find-token", () => {
  it('lists the check entries whose bookings carry the token, with who checked and the answer', async () => {
    const printed: string[] = [];
    const code = await runVerifyExport(
      [file(lines), '--key', file(key.publicKeyPem, 'pem'), '--find-token', 'tok-phone-12', '--find-token', 'tok-unknown'],
      (line) => printed.push(line),
    );
    expect(code).toBe(0);
    expect(printed[0]).toMatch(/^VERIFIED: /);
    expect(printed).toContain('token tok-phone-12: in 1 booking(s)');
    expect(printed).toContain(
      '  seq 13 (line 8) 2026-11-03T09:12:00Z: check.performed chk_12 by practice key key_desk of practice prc_valley; booking checked [phone, name] → match (strong)',
    );
    expect(printed).toContain('token tok-unknown: in no entry read');
  });

  it('takes a token that begins with a dash (base64url tokens do, one in 64)', async () => {
    const printed: string[] = [];
    const code = await runVerifyExport(
      [file(lines), '--key', file(key.publicKeyPem, 'pem'), '--find-token', '-dashFirst_12', '--find-token', 'tok-phone-12'],
      (line) => printed.push(line),
    );
    expect(code).toBe(0);
    expect(printed).toContain('token -dashFirst_12: in no entry read');
    expect(printed).toContain('token tok-phone-12: in 1 booking(s)');
  });

  it('exits 1 and names the first bad line when the export is not intact', async () => {
    const printed: string[] = [];
    const tampered = await collectLines(tamper(lines, 'removed_entry', { manifest, target: 8, tail: 0, networkSigner: signer }));
    expect(
      await runVerifyExport(
        [file(tampered), '--key', file(JSON.stringify({ keyId: key.keyId, algorithm: 'ECDSA_SHA_256', publicKeyPem: key.publicKeyPem }), 'json')],
        (line) => printed.push(line),
      ),
    ).toBe(1);
    expect(printed[0]).toContain('FAILED: ');
    expect(printed[0]).toContain('line 3: expected seq 8 but found seq 9: entry 8 was removed or moved. First bad seq: 8.');
  });

  it('refuses a key that is not a P-256 public key (exit code 2)', async () => {
    const printed: string[] = [];
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(await runVerifyExport([file(lines), '--key', file(rsa, 'pem')], (line) => printed.push(line))).toBe(2);
    expect(printed[0]).toContain('the key is not an ECDSA P-256 public key');
  });
});

describe('seals from the Object Lock bucket', () => {
  const sealOf = async (entry: AuditEntry, by: Signer = signer): Promise<AuditSeal> => {
    const statement = { type: 'peerguard.audit.seal.v1' as const, seq: entry.seq, hash: entry.hash, at: entry.at, sealedAt: '2026-11-03T10:00:00Z' };
    return { ...statement, ...(await signStatement(by, statement)) };
  };

  /** What an insider holding the signing key could do: edit entry 8, re-link and re-hash everything after, re-sign. */
  async function rewrittenHistory(): Promise<string[]> {
    const rewritten: AuditEntry[] = [];
    for (const original of entries) {
      const edited = original.seq === 8 ? { ...original, outcome: 'rejected' } : original;
      const { hash: _old, ...rest } = { ...edited, prevHash: rewritten.at(-1)?.hash ?? edited.prevHash };
      rewritten.push({ ...rest, hash: entryHash(rest) });
    }
    const forged = await signManifest(
      signer,
      {
        exportId: manifest.exportId,
        exportedBy: manifest.exportedBy,
        format: 'jsonl',
        from: manifest.from,
        to: manifest.to,
        generatedAt: manifest.generatedAt,
      },
      { first: rewritten[0]!, last: rewritten.at(-1)! },
    );
    return [...rewritten.map(toJsonLine), manifestLine(forged)];
  }

  it('an export that agrees with a seal verifies, and says so', async () => {
    const seal = await sealOf(entries[4]!); // seq 10
    expect(await verify(lines, { key, seals: [seal] })).toMatchObject({ ok: true, sealsMatched: 1 });
    const sealFile = file(JSON.stringify(seal), 'json');
    const printed: string[] = [];
    expect(
      await runVerifyExport([file(lines), '--key', file(JSON.stringify({ ...key, algorithm: 'ECDSA_SHA_256' }), 'json'), '--seal', sealFile], (line) =>
        printed.push(line),
      ),
    ).toBe(0);
    expect(printed.join('\n')).toContain('1 seal agrees with it.');
  });

  it('a history rewritten end to end with the signing key passes every other check, but not the seal', async () => {
    const forged = await rewrittenHistory();
    expect(await verify(forged)).toMatchObject({ ok: true }); // the chain and the manifest alone cannot tell
    const result = await verify(forged, { key, seals: [await sealOf(entries[4]!)] });
    expect(result).toMatchObject({ ok: false, failure: { code: 'seal_mismatch', seq: 10 } });
    expect(result.failure!.message).toContain('the history up to here was rewritten');
  });

  it('a seal not signed by the network is refused before any entry is read', async () => {
    const result = await verify(lines, { key, seals: [await sealOf(entries[4]!, newSigner())] });
    expect(result).toMatchObject({ ok: false, entries: 0, failure: { code: 'seal_signature', seq: 10 } });
  });
});
