import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryHash } from '#shared/audit/chain.ts';
import { checkpointStatement, CheckpointRollbackError, makeCheckpoint, treeHead } from '#shared/audit/checkpoint.ts';
import { toJsonLine } from '#shared/audit/export-format.ts';
import { manifestLine, manifestStatement, type Manifest } from '#shared/audit/manifest.ts';
import { describeResult, verifyExportFile, type VerifyOptions } from '#shared/audit/verify.ts';
import { buildLocalSigner } from '#shared/adapters/local/local-signer.ts';
import { canonicalJson } from '#shared/canonical.ts';
import { exportAuditPage, verificationKey } from '#shared/domain/audit.ts';
import { signStatement } from '#shared/domain/signing.ts';
import type { AuditCheckpoint, AuditEntry, AuditEvent, Principal } from '#shared/records.ts';
import { runVerifyExport } from '../../cli/commands/verify-export.ts';
import { buildTestDeps, type TestDeps } from '../fakes/deps.ts';
import { verifyExportText } from '../../console/src/lib/verify-export.ts';
import { expectedFailure, kindsFor, tamper, verifyFlags, type TamperPlan } from '../../scripts/lib/audit-tamper.ts';

/**
 * Exports of many chains, made by the real export code over in-memory stores, and the offline
 * verifier against each way an insider (or a file's holder) could change them. The log starts
 * as a one-chain log of before (`main`, entries without a chain name) and goes on in chains
 * c000 and c001, with checkpoints in between: the migration case is in every export here.
 */
const auditor: Principal = { keyId: 'key_counsel', role: 'auditor' } as Principal;
const event = (i: number): AuditEvent => ({
  action: 'alert.approved',
  actor: { keyId: 'key_rev', role: 'reviewer', practiceId: 'prc_elm' },
  targets: { alertId: `alt_${i}` },
  outcome: 'pending_review',
});

let dir: string;
let counter = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'peerguard-chains-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * 6 legacy entries on 2026-11-17, checkpoint 1; then 2026-11-18 and -19 on c000 and c001 in turn
 * (checkpoint 2 after the 18th, 3 after the 19th).
 */
async function network(): Promise<TestDeps> {
  const deps = buildTestDeps();
  const log = deps.memory.audit;
  let i = 0;
  for (; i < 6; i += 1) await log.append([event(i)], new Date(Date.UTC(2026, 10, 17, 8, i)));
  deps.clock.set('2026-11-17T20:00:00Z');
  await makeCheckpoint(deps);
  for (const day of [18, 19]) {
    for (let k = 0; k < 10; k += 1, i += 1) {
      log.useChain(k % 2 === 0 ? 'c000' : 'c001');
      await log.append([event(i)], new Date(Date.UTC(2026, 10, day, 8, k)));
    }
    deps.clock.set(`2026-11-${day}T20:00:00Z`);
    await makeCheckpoint(deps);
  }
  deps.clock.set('2026-11-20T09:00:00Z');
  return deps;
}

/** The export of the dates, all pages put together, as `peerguard export` writes it. */
async function exportFile(deps: TestDeps, from = '2026-11-17', to = '2026-11-19'): Promise<{ path: string; lines: string[]; manifest: Manifest }> {
  let page = await exportAuditPage(deps, auditor, { from, to, format: 'jsonl' });
  let body = page.body;
  while (page.next) {
    page = await exportAuditPage(deps, auditor, { from, to, format: 'jsonl', cursor: page.next });
    body += page.body;
  }
  return { path: write(body), lines: body.trimEnd().split('\n'), manifest: page.manifest };
}

const write = (content: string | readonly string[], extension = 'jsonl') => {
  const path = join(dir, `file-${(counter += 1)}.${extension}`);
  writeFileSync(path, typeof content === 'string' ? content : content.map((line) => `${line}\n`).join(''));
  return path;
};

const keyOf = async (deps: TestDeps) => ({ publicKeyPem: await deps.signer.publicKeyPem(), keyId: deps.signer.keyId });
const verify = async (deps: TestDeps, path: string, options: VerifyOptions = {}) => verifyExportFile(path, { key: await keyOf(deps), ...options });

/** Rewrites the stored entries of `chain` from `seq` on with `change`, re-hashing every one after (what an insider with table access can do). */
function rewriteTail(deps: TestDeps, chain: string, seq: number, change: (entry: AuditEntry) => AuditEntry) {
  const entries = deps.memory.audit.entries as AuditEntry[];
  let prevHash: string | undefined;
  for (const [i, entry] of entries.entries()) {
    if ((entry.chain ?? 'main') !== chain || entry.seq < seq) continue;
    const { hash: _hash, ...unhashed } = entry.seq === seq ? change(entry) : entry;
    const relinked = { ...unhashed, prevHash: prevHash ?? unhashed.prevHash };
    entries[i] = { ...relinked, hash: entryHash(relinked) };
    prevHash = entries[i]!.hash;
  }
}

const entryLines = (lines: readonly string[]) => lines.filter((line) => line.startsWith('{"action"'));
const checkpointLines = (lines: readonly string[]) => lines.filter((line) => line.includes('"type":"peerguard.audit.checkpoint.v1"'));

describe('an export of many chains', () => {
  it('carries every chain it covers and the checkpoints, and verifies: legacy chain, c000, c001, checkpoints 1 to 3', async () => {
    const deps = await network();
    const { path, lines, manifest } = await exportFile(deps);
    // Nothing moved since checkpoint 3: the export ends there.
    expect(manifest).toMatchObject({ version: 2, count: 26, chains: 3, checkpoints: { first: 1, last: 3 } });
    expect(entryLines(lines).map((line) => JSON.parse(line).chain ?? 'main')).toEqual([
      ...Array(10).fill('c000'),
      ...Array(10).fill('c001'),
      ...Array(6).fill('main'),
    ]);
    expect(checkpointLines(lines)).toHaveLength(3);
    const result = await verify(deps, path);
    expect(result).toMatchObject({ ok: true, entries: 26, checkpoints: 3, signatureChecked: true });
    expect(describeResult(result, 'nov.jsonl')).toMatch(/^VERIFIED: nov.jsonl holds 26 entries in 3 chains .* and 3 checkpoints/);
  });

  it('the console verifier gives the same verdicts, on the intact file and on a forged checkpoint', async () => {
    const deps = await network();
    const { path, lines } = await exportFile(deps);
    const key = await keyOf(deps);
    const [node, browser] = [await verify(deps, path), await verifyExportText(readFileSync(path, 'utf8'), 'nov.jsonl', key)];
    expect(browser.text).toBe(describeResult(node, 'nov.jsonl'));
    const forged = lines.map((line) => (line.includes('"number":2,') ? line.replace(/"seq":\d+/, '"seq":1') : line));
    const forgedPath = write(forged);
    const [nodeForged, browserForged] = [await verify(deps, forgedPath), await verifyExportText(forged.join('\n'), 'nov.jsonl', key)];
    expect(nodeForged.failure?.code).toBe('checkpoint_signature');
    expect(browserForged.result.failure?.code).toBe('checkpoint_signature');
    expect(browserForged.text).toBe(describeResult(nodeForged, 'nov.jsonl'));
  });

  it('both verifiers read checkpoint lines one way: a malformed one fails at its line, and the full key file (every key with its types) verifies', async () => {
    const deps = await network();
    const { path, lines } = await exportFile(deps);
    const keyFile = { ...(await verificationKey(deps)) };
    expect(keyFile.keys).toHaveLength(2);
    const [node, browser] = [await verify(deps, path, { key: keyFile }), await verifyExportText(readFileSync(path, 'utf8'), 'nov.jsonl', keyFile)];
    expect(node).toMatchObject({ ok: true, checkpoints: 3 });
    expect(browser.text).toBe(describeResult(node, 'nov.jsonl'));

    const at = lines.findIndex((line) => line.includes('"number":2,'));
    const broken = lines.map((line, i) => (i === at ? line.replace(/"treeSize":\d+,/, '') : line));
    const [nodeBroken, browserBroken] = [await verify(deps, write(broken)), await verifyExportText(broken.join('\n'), 'nov.jsonl', await keyOf(deps))];
    expect(nodeBroken.failure).toEqual({
      code: 'checkpoint_signature',
      line: at + 1,
      message: `line ${at + 1}: not a Peerguard audit checkpoint (treeSize)`,
    });
    expect(browserBroken.result.failure).toEqual(nodeBroken.failure);
  });

  it('requires the checkpoints unless told not to, and says so', async () => {
    const deps = await network();
    const { lines } = await exportFile(deps);
    const bare = write(lines.filter((line) => !checkpointLines(lines).includes(line)));
    expect((await verify(deps, bare)).failure).toMatchObject({ code: 'checkpoints_missing' });
    const skipped = await verify(deps, bare, { skipCheckpoints: true });
    expect(skipped).toMatchObject({ ok: true, checkpoints: 'skipped' });
    expect(describeResult(skipped, 'x')).toMatch(/^INCOMPLETE: .*checkpoints were NOT checked \(--no-checkpoints\)/);
    const keyPath = write(JSON.stringify(await keyOf(deps)), 'json');
    const out: string[] = [];
    expect(await runVerifyExport([bare, '--key', keyPath], (line) => out.push(line))).toBe(1);
    expect(await runVerifyExport([bare, '--key', keyPath, '--no-checkpoints'], (line) => out.push(line))).toBe(3);
    expect(out.at(-1)).toMatch(/^INCOMPLETE/);
  });
});

describe('tampering the verifier or the checkpoints catch', () => {
  it('a tail rewritten and re-hashed between two checkpoints: the next checkpoint refuses, and a file re-signed by the key holder fails on the checkpoint', async () => {
    const deps = await network();
    const honest = await exportFile(deps);
    // The insider rewrites c001 from seq 3 (after checkpoint 2, before checkpoint 3) and re-hashes to the head.
    rewriteTail(deps, 'c001', 3, (entry) => ({ ...entry, outcome: 'rejected' }));
    await expect(makeCheckpoint(deps)).rejects.toThrow(CheckpointRollbackError);
    await expect(exportFile(deps)).rejects.toThrow(/chain c001 .* another history than checkpoint/);

    // The same rewrite in the file, with the manifest re-signed by someone holding the signing key: checkpoint 3 still names the old head.
    const rewritten = deps.memory.audit.entries.filter((entry) => entry.chain === 'c001' && entry.seq >= 3).map(toJsonLine);
    const lines = honest.lines.map((line) => {
      const parsed = JSON.parse(line) as AuditEntry;
      return parsed.chain === 'c001' && parsed.seq >= 3 ? rewritten[parsed.seq - 3]! : line;
    });
    const manifest = honest.manifest;
    const { rangesDigest } = await import('#shared/audit/manifest.ts');
    const c001 = deps.memory.audit.entries.filter((entry) => entry.chain === 'c001');
    const ranges = [
      {
        chain: 'c000',
        firstSeq: 1,
        lastSeq: 10,
        firstPrevHash: '0'.repeat(64),
        headHash: deps.memory.audit.entries.filter((entry) => entry.chain === 'c000').at(-1)!.hash,
      },
      { chain: 'c001', firstSeq: 1, lastSeq: 10, firstPrevHash: '0'.repeat(64), headHash: c001.at(-1)!.hash },
      { chain: 'main', firstSeq: 1, lastSeq: 6, firstPrevHash: '0'.repeat(64), headHash: deps.memory.audit.entries[5]!.hash },
    ];
    const resigned = { ...manifestStatement(manifest), rangesSha256: rangesDigest(ranges) };
    const forgedManifest = { ...resigned, signature: (await signStatement(deps.signer, resigned)).signature };
    lines[lines.length - 1] = manifestLine(forgedManifest as Manifest);
    const result = await verify(deps, write(lines));
    expect(result.failure).toMatchObject({ code: 'checkpoint_mismatch', chain: 'c001', seq: 5 });
  });

  it('an item deleted in the middle of a chain: the export shows the gap', async () => {
    const deps = await network();
    const entries = deps.memory.audit.entries as AuditEntry[];
    entries.splice(
      entries.findIndex((entry) => entry.chain === 'c000' && entry.seq === 2),
      1,
    );
    const { path } = await exportFile(deps);
    expect((await verify(deps, path)).failure).toMatchObject({ code: 'seq_gap', chain: 'c000', seq: 2 });
  });

  it('an item deleted at a chain head a checkpoint recorded, the checkpoint deleted from the table too: the write-once copy gives it away', async () => {
    const deps = await network();
    const sealed = write(deps.memory.checkpoints.checkpoints.map((checkpoint) => canonicalJson(checkpoint)));
    const entries = deps.memory.audit.entries as AuditEntry[];
    entries.splice(
      entries.findIndex((entry) => entry.chain === 'c001' && entry.seq === 10),
      1,
    );
    await expect(makeCheckpoint(deps)).rejects.toThrow(CheckpointRollbackError);
    deps.memory.checkpoints.checkpoints.pop(); // checkpoint 3 removed from the table
    const { path } = await exportFile(deps);
    // The export alone is consistent (its checkpoint 3 is the insider's); the copies from write-once storage are not.
    expect(await verify(deps, path)).toMatchObject({ ok: true });
    expect((await verify(deps, path, { checkpointsPath: sealed })).failure).toMatchObject({ code: 'checkpoint_link' });
  });

  it('an item overwritten after a checkpoint (its hash left as it was): hash_mismatch', async () => {
    const deps = await network();
    const entries = deps.memory.audit.entries as AuditEntry[];
    const i = entries.findIndex((entry) => entry.chain === 'c000' && entry.seq === 4);
    entries[i] = { ...entries[i]!, outcome: 'rejected' };
    const { path } = await exportFile(deps);
    expect((await verify(deps, path)).failure).toMatchObject({ code: 'hash_mismatch', chain: 'c000', seq: 4 });
  });

  it('an item overwritten after a checkpoint and re-hashed alone: chain_break at the next entry', async () => {
    const deps = await network();
    const entries = deps.memory.audit.entries as AuditEntry[];
    const i = entries.findIndex((entry) => entry.chain === 'c000' && entry.seq === 4);
    const { hash: _hash, ...unhashed } = { ...entries[i]!, outcome: 'rejected' };
    entries[i] = { ...unhashed, hash: entryHash(unhashed) };
    const { path } = await exportFile(deps);
    expect((await verify(deps, path)).failure).toMatchObject({ code: 'chain_break', chain: 'c000', seq: 5 });
  });

  it('a forged checkpoint: its signature (edited heads), or its tree head (re-signed by the key holder with heads that do not hash to it)', async () => {
    const deps = await network();
    const { lines } = await exportFile(deps);
    const edited = lines.map((line) => (line.includes('"number":3,') ? line.replace('"seq":10', '"seq":9') : line));
    expect((await verify(deps, write(edited))).failure).toMatchObject({ code: 'checkpoint_signature' });

    const other = buildLocalSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const foreign = lines.map((line) => {
      if (!line.includes('"number":3,')) return line;
      const checkpoint = JSON.parse(line) as AuditCheckpoint;
      return canonicalJson({ ...checkpoint, keyId: other.keyId });
    });
    expect((await verify(deps, write(foreign))).failure).toMatchObject({ code: 'checkpoint_signature' });

    const resigned = await Promise.all(
      lines.map(async (line) => {
        if (!line.includes('"number":3,')) return line;
        const checkpoint = JSON.parse(line) as AuditCheckpoint;
        const statement = { ...checkpointStatement(checkpoint), heads: checkpoint.heads.slice(1) };
        expect(treeHead(statement.heads)).not.toBe(statement.rootHash);
        return canonicalJson({ ...statement, ...(await signStatement(deps.signer, statement)) });
      }),
    );
    expect((await verify(deps, write(resigned))).failure).toMatchObject({ code: 'checkpoint_root' });
  });

  it('a checkpoint missing from an export', async () => {
    const deps = await network();
    const { lines } = await exportFile(deps);
    expect((await verify(deps, write(lines.filter((line) => !line.includes('"number":2,'))))).failure).toMatchObject({
      code: 'checkpoint_missing',
      message: expect.stringContaining('checkpoint 2 is missing'),
    });
  });

  it('every case of the benchmark (scripts/lib/audit-tamper.ts) gets the answer and exit code it expects', async () => {
    const deps = await network();
    const { lines, manifest } = await exportFile(deps);
    const checkpoints = checkpointLines(lines).map((line) => JSON.parse(line) as AuditCheckpoint);
    // c001 seq 7: after checkpoint 2's head (seq 5), before checkpoint 3's (seq 10).
    const plan: TamperPlan = { manifest, chain: 'c001', target: 7, tail: 3, networkSigner: deps.signer, checkpoints, checkpoint: 2 };
    const keyPath = write(JSON.stringify(await verificationKey(deps)), 'json');
    const answers: Record<string, unknown> = {};
    for (const kind of kindsFor(manifest)) {
      const tampered: string[] = [];
      for await (const line of tamper(lines, kind, plan)) tampered.push(line);
      expect(tampered, kind).not.toEqual(lines);
      const path = write(tampered);
      const result = await verify(deps, path, { skipCheckpoints: verifyFlags(kind).includes('--no-checkpoints') });
      const exit = await runVerifyExport([path, '--key', keyPath, ...verifyFlags(kind)], () => undefined);
      answers[kind] = { code: result.failure?.code, seq: result.failure?.seq, exit };
    }
    expect(answers).toEqual(Object.fromEntries(kindsFor(manifest).map((kind) => [kind, expectedFailure(kind, plan)])));
    expect(answers).toMatchObject({
      inserted_entry: { code: 'seq_repeat', seq: 8 },
      truncated_tail: { code: 'checkpoint_entry_missing', seq: 10 },
      tail_rewritten: { code: 'checkpoint_mismatch', seq: 10 },
      overwritten_after_checkpoint: { code: 'chain_break', seq: 8 },
      checkpoints_skipped: { code: undefined, exit: 3 },
    });
  });

  it("a chain's tail cut from the file: the checkpoint's recorded head is missing", async () => {
    const deps = await network();
    const { lines } = await exportFile(deps);
    const cut = lines.filter((line) => !(line.includes('"chain":"c001"') && line.includes('"seq":10,')));
    expect((await verify(deps, write(cut))).failure).toMatchObject({ code: 'checkpoint_entry_missing', chain: 'c001', seq: 10 });
  });
});
