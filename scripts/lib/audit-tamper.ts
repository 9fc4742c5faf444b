/**
 * The ways an attacker (or an accident) can change a jsonl audit export, applied line by line
 * so they work on a 100,000-entry file as well as on a test's few lines. Used by the verifier's
 * tests and by `npm run bench:audit-export`.
 *
 * An export of the one chain of before (manifest without `version`) takes the one-chain cases; an
 * export of many chains (version 2: chain runs, checkpoint lines, then the manifest) takes the
 * entry cases on one of its chains, plus the cases on its checkpoints and on a manifest re-signed
 * by someone holding the signing key.
 */
import { generateKeyPairSync } from 'node:crypto';
import { chainEntries, entryHash } from '#shared/audit/chain.ts';
import { entryChain, legacyChain } from '#shared/audit/chains.ts';
import { checkpointStatement, checkpointType } from '#shared/audit/checkpoint.ts';
import { canonicalJson } from '#shared/canonical.ts';
import { manifestLine, manifestStatement, rangesDigest, type ExportRange, type Manifest } from '#shared/audit/manifest.ts';
import { signStatement } from '#shared/domain/signing.ts';
import { buildLocalSigner } from '#shared/adapters/local/local-signer.ts';
import type { Signer } from '#shared/ports.ts';
import type { AuditCheckpoint, AuditEntry } from '#shared/records.ts';

/** Cases on entries and on the manifest's signature: every export takes them. */
const commonKinds = ['edited_field', 'removed_entry', 'swapped_entries', 'inserted_entry', 'truncated_tail', 'foreign_key_manifest'] as const;
/** A one-chain export's lying manifest. */
const oneChainOnly = ['head_mismatch_manifest'] as const;
/** An export of many chains: its ranges, its checkpoints, and what the holder of the signing key can re-sign. */
const manyChainsOnly = [
  'ranges_mismatch_manifest',
  'tail_rewritten',
  'overwritten_after_checkpoint',
  'forged_checkpoint',
  'resigned_checkpoint',
  'checkpoint_missing',
  'checkpoints_removed',
  'checkpoints_skipped',
] as const;

export const tamperKinds = [...commonKinds, ...oneChainOnly, ...manyChainsOnly] as const;
export type TamperKind = (typeof tamperKinds)[number];

/** The cases that apply to an export with this manifest. */
export const kindsFor = (manifest: Manifest): TamperKind[] => [...commonKinds, ...(manifest.version === 2 ? manyChainsOnly : oneChainOnly)];

/** What each case does, in a few words (the benchmark's table). */
export const tamperDescriptions: Readonly<Record<TamperKind, string>> = {
  edited_field: 'an entry edited (hash left)',
  removed_entry: 'an entry deleted from the middle of a chain',
  swapped_entries: 'two entries swapped',
  inserted_entry: 'an entry inserted (correctly hashed forgery)',
  truncated_tail: "a chain's tail cut",
  foreign_key_manifest: 'manifest signed by another key',
  head_mismatch_manifest: 'genuinely signed manifest with another head',
  ranges_mismatch_manifest: 'genuinely signed manifest with other chain runs',
  tail_rewritten: "a chain's tail rewritten and re-hashed between two checkpoints, manifest re-signed by the key holder",
  overwritten_after_checkpoint: 'an entry overwritten after a checkpoint (re-hashed alone)',
  forged_checkpoint: "a checkpoint's heads edited (forged checkpoint)",
  resigned_checkpoint: 'a checkpoint re-signed by the key holder with heads that do not hash to its root',
  checkpoint_missing: 'a checkpoint missing from the export',
  checkpoints_removed: 'every checkpoint removed from the export',
  checkpoints_skipped: 'every checkpoint removed, verified with --no-checkpoints',
};

export interface TamperPlan {
  /** The export's manifest (the file's last line). */
  readonly manifest: Manifest;
  /** The chain the entry cases act on (`main`, the one chain of before, when absent). */
  readonly chain?: string | undefined;
  /** The seq the entry cases act on (swapped: it and the next; inserted: after it; rewritten: from it on). */
  readonly target: number;
  /** How many entries `truncated_tail` removes from the end of the chain. */
  readonly tail: number;
  /** The network's signer: the cases of someone holding the signing key sign with it. */
  readonly networkSigner: Signer;
  /** Many chains: the checkpoints the export carries (the expected answers follow from the heads they recorded). */
  readonly checkpoints?: readonly AuditCheckpoint[] | undefined;
  /** Many chains: the checkpoint the checkpoint cases act on. */
  readonly checkpoint?: number | undefined;
}

export interface ExpectedAnswer {
  /** The verifier's failure code, or undefined when it must not fail (checkpoints skipped). */
  readonly code: string | undefined;
  readonly seq: number | undefined;
  /** The exit code of `peerguard verify`: 1 not intact, 3 intact but not everything checked. */
  readonly exit: number;
}

/** The flags `peerguard verify` is given for the case (beyond the file and --key). */
export const verifyFlags = (kind: TamperKind): string[] => (kind === 'checkpoints_skipped' ? ['--no-checkpoints'] : []);

/** chain → seq → the first checkpoint that recorded that head inside the export's dates. */
function recordedHeads(plan: TamperPlan): Map<string, Map<number, number>> {
  const { manifest } = plan;
  const from = `${manifest.from}T00:00:00Z`;
  const to = new Date(Date.parse(`${manifest.to}T00:00:00Z`) + 86_400_000).toISOString();
  const heads = new Map<string, Map<number, number>>();
  const numbers = manifest.checkpoints ?? { first: 1, last: 0 };
  for (const checkpoint of [...(plan.checkpoints ?? [])].sort((a, b) => a.number - b.number)) {
    if (checkpoint.number < numbers.first || checkpoint.number > numbers.last) continue;
    for (const head of checkpoint.heads) {
      if (Date.parse(head.at) < Date.parse(from) || Date.parse(head.at) >= Date.parse(to)) continue;
      const chain = heads.get(head.chain) ?? new Map<number, number>();
      heads.set(head.chain, chain);
      if (!chain.has(head.seq)) chain.set(head.seq, checkpoint.number);
    }
  }
  return heads;
}

/** The last seq of the plan's chain in the export. */
function lastSeqOf(plan: TamperPlan): number {
  if (plan.manifest.version !== 2) return plan.manifest.lastSeq!;
  const last = plan.checkpoints?.find((checkpoint) => checkpoint.number === plan.manifest.checkpoints!.last);
  const head = last?.heads.find((candidate) => candidate.chain === (plan.chain ?? legacyChain));
  if (!head) throw new Error(`the export's last checkpoint has no head for chain ${plan.chain ?? legacyChain}`);
  return head.seq;
}

/** What the verifier must answer for each case: its failure code, the first bad seq, and the exit code. */
export function expectedFailure(kind: TamperKind, plan: TamperPlan): ExpectedAnswer {
  const fails = (code: string, seq?: number): ExpectedAnswer => ({ code, seq, exit: 1 });
  const lastSeq = lastSeqOf(plan);
  const { target } = plan;
  const recorded = recordedHeads(plan).get(plan.chain ?? legacyChain) ?? new Map<number, number>();
  const manyChains = plan.manifest.version === 2;
  switch (kind) {
    case 'edited_field':
      return fails('hash_mismatch', target);
    case 'removed_entry':
    case 'swapped_entries':
      return fails('seq_gap', target);
    case 'inserted_entry':
      // The forgery takes seq target+1: a checkpoint that recorded the genuine one gives it away first.
      return recorded.has(target + 1) ? fails('checkpoint_mismatch', target + 1) : fails('seq_repeat', target + 1);
    case 'truncated_tail': {
      if (!manyChains) return fails('truncated', lastSeq - plan.tail + 1);
      const cut = [...recorded].filter(([seq]) => seq > lastSeq - plan.tail).sort((a, b) => a[1] - b[1]);
      return cut.length > 0 ? fails('checkpoint_entry_missing', cut[0]![0]) : fails('truncated');
    }
    case 'foreign_key_manifest':
      return fails('bad_signature');
    case 'head_mismatch_manifest':
      return fails('head_mismatch', lastSeq);
    case 'ranges_mismatch_manifest':
      return fails('ranges_mismatch');
    case 'tail_rewritten': {
      const first = [...recorded.keys()].filter((seq) => seq >= target).sort((a, b) => a - b)[0];
      // With no recorded head at or after the rewrite, nothing but the write-once copy could tell.
      return first === undefined ? { code: undefined, seq: undefined, exit: 0 } : fails('checkpoint_mismatch', first);
    }
    case 'overwritten_after_checkpoint':
      return recorded.has(target) ? fails('checkpoint_mismatch', target) : fails('chain_break', target + 1);
    case 'forged_checkpoint':
      return fails('checkpoint_signature');
    case 'resigned_checkpoint':
      return fails('checkpoint_root');
    case 'checkpoint_missing':
      return fails('checkpoint_missing');
    case 'checkpoints_removed':
      return fails('checkpoints_missing');
    case 'checkpoints_skipped':
      return { code: undefined, seq: undefined, exit: 3 };
  }
}

type Line = AuditEntry | Manifest | AuditCheckpoint;
const isManifest = (value: Line): value is Manifest => 'type' in value && value.type === 'manifest';
const isCheckpoint = (value: Line): value is AuditCheckpoint => 'type' in value && value.type === checkpointType;
const rehashed = (entry: Omit<AuditEntry, 'hash'> & { hash?: string }): AuditEntry => {
  const { hash: _hash, ...unhashed } = entry;
  return { ...unhashed, hash: entryHash(unhashed) };
};

/** The lines of the tampered file, from the lines of the genuine one. */
export async function* tamper(lines: AsyncIterable<string> | Iterable<string>, kind: TamperKind, plan: TamperPlan): AsyncGenerator<string> {
  const chain = plan.chain ?? legacyChain;
  const cutFrom = lastSeqOf(plan) - plan.tail;
  let held: string | undefined;
  /** tail_rewritten: the hash the next rewritten entry links to. */
  let relink: string | undefined;
  /** The chain runs as written, for a manifest re-signed over them. */
  const runs = new Map<string, ExportRange>();
  const emit = (entry: AuditEntry, line: string = canonicalJson(entry)): string => {
    const run = runs.get(entryChain(entry));
    runs.set(
      entryChain(entry),
      run
        ? { ...run, lastSeq: entry.seq, headHash: entry.hash }
        : { chain: entryChain(entry), firstSeq: entry.seq, lastSeq: entry.seq, firstPrevHash: entry.prevHash, headHash: entry.hash },
    );
    return line;
  };
  for await (const line of lines) {
    const value = JSON.parse(line) as Line;
    if (isManifest(value)) {
      yield await tamperedManifest(line, value, kind, plan, [...runs.values()]);
      continue;
    }
    if (isCheckpoint(value)) {
      const changed = await tamperedCheckpoint(line, value, kind, plan);
      if (changed !== undefined) yield changed;
      continue;
    }
    const entry = value as AuditEntry;
    const ours = entryChain(entry) === chain;
    if (kind === 'truncated_tail' && ours && entry.seq > cutFrom) continue;
    if (!ours || (entry.seq !== plan.target && held === undefined && relink === undefined)) {
      yield emit(entry, line);
      continue;
    }
    switch (kind) {
      case 'edited_field':
        // The outcome changes; the hash is left as it was.
        yield emit(entry, JSON.stringify({ ...entry, outcome: `${entry.outcome}-edited` }));
        break;
      case 'removed_entry':
        break;
      case 'swapped_entries':
        if (held === undefined) held = line;
        else {
          yield emit(entry, line);
          yield emit(JSON.parse(held) as AuditEntry, held);
          held = undefined;
        }
        break;
      case 'inserted_entry': {
        // A forgery done properly: the next seq, the right prevHash, a correct hash of its own.
        yield emit(entry, line);
        const [forged] = chainEntries(
          entry,
          [{ action: 'key.revoked', actor: { keyId: entry.actor.keyId, role: 'admin' }, targets: { keyId: 'key_forged' }, outcome: 'success' }],
          new Date(entry.at),
          entry.chain,
        );
        yield emit(forged!);
        break;
      }
      case 'tail_rewritten': {
        // The insider's rewrite: the entry at target changed, it and every later entry of the chain re-linked and re-hashed.
        const changed = rehashed({ ...entry, ...(entry.seq === plan.target ? { outcome: 'rejected' } : {}), prevHash: relink ?? entry.prevHash });
        relink = changed.hash;
        yield emit(changed);
        break;
      }
      case 'overwritten_after_checkpoint':
        // Overwritten in place and re-hashed alone: its successor still carries the old hash.
        yield emit(rehashed({ ...entry, outcome: 'rejected' }));
        break;
      default:
        yield emit(entry, line);
    }
  }
}

async function tamperedManifest(line: string, manifest: Manifest, kind: TamperKind, plan: TamperPlan, runs: ExportRange[]): Promise<string> {
  const resign = async (statement: ReturnType<typeof manifestStatement>) =>
    manifestLine({ ...statement, signature: (await signStatement(plan.networkSigner, statement)).signature });
  if (kind === 'foreign_key_manifest') {
    // Same fields and key id, signed by a key that is not the network's.
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const other = buildLocalSigner(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const { signature } = await signStatement(other, manifestStatement(manifest));
    return manifestLine({ ...manifest, signature });
  }
  if (kind === 'head_mismatch_manifest') return resign({ ...manifestStatement(manifest), headHash: manifest.firstPrevHash! });
  if (kind === 'ranges_mismatch_manifest') return resign({ ...manifestStatement(manifest), rangesSha256: rangesDigest(runs.slice(1)) });
  if (kind === 'tail_rewritten') return resign({ ...manifestStatement(manifest), rangesSha256: rangesDigest(runs) });
  return line;
}

async function tamperedCheckpoint(line: string, checkpoint: AuditCheckpoint, kind: TamperKind, plan: TamperPlan): Promise<string | undefined> {
  if (kind === 'checkpoints_removed' || kind === 'checkpoints_skipped') return undefined;
  if (checkpoint.number !== plan.checkpoint) return line;
  switch (kind) {
    case 'checkpoint_missing':
      return undefined;
    case 'forged_checkpoint':
      // A head moved on by one, the signature left as it was.
      return canonicalJson({ ...checkpoint, heads: checkpoint.heads.map((head, i) => (i === 0 ? { ...head, seq: head.seq + 1 } : head)) });
    case 'resigned_checkpoint': {
      const statement = { ...checkpointStatement(checkpoint), heads: checkpoint.heads.slice(1) };
      return canonicalJson({ ...statement, ...(await signStatement(plan.networkSigner, statement)) });
    }
    default:
      return line;
  }
}
