import type { AuditCheckpoint, AuditEntry, ChainHead } from '../records.ts';
import { genesisHash, entryHash } from './chain.ts';
import { entryChain } from './chains.ts';
import { checkpointHash, isCheckpointValue, parseCheckpoint, treeHead } from './checkpoint.ts';
import { rangesDigest, type ExportRange, type Manifest } from './manifest.ts';

/**
 * The checks of a version 2 export (many chains, with checkpoints), shared by `peerguard verify`
 * (verify.ts) and the console's verifier: no I/O, and signatures checked through a callback
 * (node:crypto in Node, WebCrypto in the browser).
 */
export type ChainsFailureCode =
  | 'hash_mismatch'
  | 'seq_gap'
  | 'seq_repeat'
  | 'chain_break'
  | 'chain_order'
  | 'beyond_manifest'
  | 'time_order'
  | 'time_range'
  | 'truncated'
  | 'ranges_mismatch'
  | 'checkpoints_missing'
  | 'checkpoint_missing'
  | 'checkpoint_signature'
  | 'checkpoint_root'
  | 'checkpoint_link'
  | 'checkpoint_rollback'
  | 'checkpoint_mismatch'
  | 'checkpoint_entry_missing'
  | 'beyond_checkpoint';

export interface ChainsFailure {
  readonly code: ChainsFailureCode;
  readonly message: string;
  readonly line?: number | undefined;
  readonly seq?: number | undefined;
  readonly chain?: string | undefined;
}

/** What the checkpoints vouch for inside the export's dates, and the heads at the export's last checkpoint. */
export interface CheckpointExpectations {
  /** chain → seq → the hash a checkpoint recorded there (and which checkpoint). */
  readonly heads: ReadonlyMap<string, ReadonlyMap<number, { readonly hash: string; readonly at: string; readonly number: number }>>;
  readonly last: ReadonlyMap<string, ChainHead>;
  /** How many checkpoints were checked. */
  readonly count: number;
}

const dayRange = (manifest: Manifest) => ({
  fromMs: Date.parse(`${manifest.from}T00:00:00Z`),
  toMs: Date.parse(`${manifest.to}T00:00:00Z`) + 86_400_000,
});

/**
 * Checks the checkpoints an export carries against its manifest: every number first..last is
 * there, each signature verifies (when `signatureProblem` is given), each tree head is the one
 * recomputed from its chain heads, each links to the one before, no chain head ever goes back,
 * and the last is the one the manifest names. Returns what they vouch for.
 */
export async function checkCheckpoints(
  manifest: Manifest,
  given: readonly AuditCheckpoint[],
  signatureProblem: ((checkpoint: AuditCheckpoint) => Promise<string | undefined> | string | undefined) | undefined,
): Promise<{ expectations: CheckpointExpectations } | { failure: ChainsFailure }> {
  const fail = (code: ChainsFailureCode, message: string) => ({ failure: { code, message } });
  const { first, last, lastRootHash } = manifest.checkpoints!;
  if (given.length === 0) {
    return fail(
      'checkpoints_missing',
      `the export carries no checkpoints, but its manifest ends at checkpoint ${last} and needs checkpoints ${first} to ${last} (GET /v1/audit/checkpoints); verifying without them needs --no-checkpoints`,
    );
  }
  // Checkpoints may come from the export and from write-once storage: two different ones with one number mean one was replaced.
  const byNumber = new Map<number, AuditCheckpoint>();
  for (const checkpoint of given) {
    const other = byNumber.get(checkpoint.number);
    if (other && checkpointHash(other) !== checkpointHash(checkpoint)) {
      return fail(
        'checkpoint_link',
        `two different checkpoints are numbered ${checkpoint.number}: one of them replaced the other (compare them with the copy in write-once storage)`,
      );
    }
    byNumber.set(checkpoint.number, checkpoint);
  }
  const { fromMs, toMs } = dayRange(manifest);
  const heads = new Map<string, Map<number, { hash: string; at: string; number: number }>>();
  let previous: AuditCheckpoint | undefined;
  for (let number = first; number <= last; number += 1) {
    const checkpoint = byNumber.get(number);
    if (!checkpoint)
      return fail(
        'checkpoint_missing',
        `checkpoint ${number} is missing: the manifest covers checkpoints ${first} to ${last}, and every one of them must be there`,
      );
    const problem = signatureProblem ? await signatureProblem(checkpoint) : undefined;
    if (problem) return fail('checkpoint_signature', `checkpoint ${number}: ${problem}`);
    if (checkpoint.treeSize !== checkpoint.heads.length || treeHead(checkpoint.heads) !== checkpoint.rootHash) {
      return fail('checkpoint_root', `checkpoint ${number}: its tree head is not the one recomputed from its ${checkpoint.heads.length} chain heads`);
    }
    if (number === 1 && checkpoint.prevHash !== genesisHash) return fail('checkpoint_link', 'checkpoint 1 does not start from the genesis hash');
    if (previous) {
      if (checkpoint.prevHash !== checkpointHash(previous))
        return fail('checkpoint_link', `checkpoint ${number} does not link to checkpoint ${previous.number}: one of them was replaced`);
      const now = new Map(checkpoint.heads.map((head) => [head.chain, head]));
      for (const before of previous.heads) {
        const head = now.get(before.chain);
        if (!head || head.seq < before.seq || (head.seq === before.seq && head.hash !== before.hash)) {
          return fail(
            'checkpoint_rollback',
            `checkpoint ${number} has chain ${before.chain} at seq ${head?.seq ?? 0}, behind or beside checkpoint ${previous.number}'s seq ${before.seq}: the chain was rewritten between them`,
          );
        }
      }
    } else if (number !== 1 && Date.parse(checkpoint.madeAt) >= fromMs) {
      return fail('checkpoint_missing', `the first checkpoint carried (${number}) was made on or after ${manifest.from}: the one before the range is missing`);
    }
    for (const head of checkpoint.heads) {
      const at = Date.parse(head.at);
      if (at < fromMs || at >= toMs) continue;
      let chain = heads.get(head.chain);
      if (!chain) heads.set(head.chain, (chain = new Map()));
      if (!chain.has(head.seq)) chain.set(head.seq, { hash: head.hash, at: head.at, number });
    }
    previous = checkpoint;
  }
  if (previous!.rootHash !== lastRootHash) return fail('checkpoint_root', `checkpoint ${last}'s tree head is not the one the manifest signed`);
  return { expectations: { heads, last: new Map(previous!.heads.map((head) => [head.chain, head])), count: last - first + 1 } };
}

/**
 * The checkpoints among an export's lines (or a file of checkpoints, one a line): the one way both
 * verifiers read them. Entries (canonical JSON, so they start with {"action":), the manifest and
 * anything that is not JSON are skipped here (the entry pass judges them); a line that says it is a
 * checkpoint but is not a well-formed one fails, naming its line.
 */
export async function checkpointLines(
  lines: AsyncIterable<string> | Iterable<string>,
): Promise<{ checkpoints: AuditCheckpoint[] } | { failure: ChainsFailure }> {
  const checkpoints: AuditCheckpoint[] = [];
  let number = 0;
  for await (const line of lines) {
    number += 1;
    if (line.startsWith('{"action"')) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isCheckpointValue(value)) continue;
    const parsed = parseCheckpoint(value);
    if ('error' in parsed) return { failure: { code: 'checkpoint_signature', line: number, message: `line ${number}: ${parsed.error}` } };
    checkpoints.push(parsed.checkpoint);
  }
  return { checkpoints };
}

/** Checks the entries of a version 2 export, chain after chain, one entry at a time. */
export class ChainsCheck {
  private seen = 0;
  private readonly ranges: ExportRange[] = [];
  private current: { chain: string; firstSeq: number; firstPrevHash: string; seq: number; hash: string; at: string; line: number } | undefined;
  private readonly matched = new Set<string>();
  private readonly fromMs: number;
  private readonly toMs: number;

  constructor(
    private readonly manifest: Manifest,
    private readonly expectations: CheckpointExpectations | undefined,
  ) {
    ({ fromMs: this.fromMs, toMs: this.toMs } = dayRange(manifest));
  }

  get entries(): number {
    return this.seen;
  }

  push(entry: AuditEntry, line: number): ChainsFailure | undefined {
    const { hash, ...unhashed } = entry;
    const chain = entryChain(entry);
    const at = `line ${line}, chain ${chain} seq ${entry.seq}`;
    const failure = (code: ChainsFailureCode, message: string, seq = entry.seq): ChainsFailure => ({ code, message, line, seq, chain });
    if (entryHash(unhashed) !== hash) return failure('hash_mismatch', `${at}: the entry's content does not match its hash: the entry was edited`);
    if (this.seen === this.manifest.count) return failure('beyond_manifest', `${at}: an entry after the ${this.manifest.count} the manifest covers`);
    const current = this.current;
    if (current && current.chain === chain) {
      if (entry.seq > current.seq + 1)
        return failure(
          'seq_gap',
          `line ${line}: expected chain ${chain} seq ${current.seq + 1} but found seq ${entry.seq}: entry ${current.seq + 1} was removed or moved`,
          current.seq + 1,
        );
      if (entry.seq <= current.seq)
        return failure(
          'seq_repeat',
          `line ${line}: chain ${chain} seq ${entry.seq} again where seq ${current.seq + 1} was expected: an entry was inserted or moved`,
        );
      if (entry.prevHash !== current.hash)
        return failure('chain_break', `${at}: prevHash is not the hash of seq ${current.seq} on line ${current.line}: the chain is broken before this entry`);
      if (entry.at < current.at) return failure('time_order', `${at}: at ${entry.at} is earlier than the previous entry's ${current.at}`);
    } else {
      if (current && chain <= current.chain)
        return failure('chain_order', `${at}: chain ${chain} comes after chain ${current.chain}: each chain's entries must be together, chains in order`);
      if (current) this.close();
    }
    const time = Date.parse(entry.at);
    if (!(time >= this.fromMs && time < this.toMs))
      return failure('time_range', `${at}: at ${entry.at} is outside the manifest's dates ${this.manifest.from} to ${this.manifest.to}`);
    if (this.expectations) {
      const last = this.expectations.last.get(chain);
      if (!last || entry.seq > last.seq) {
        return failure(
          'beyond_checkpoint',
          `${at}: the entry is past chain ${chain}'s head in checkpoint ${this.manifest.checkpoints!.last} (${last ? `seq ${last.seq}` : 'no such chain'}), where the export ends`,
        );
      }
      const expected = this.expectations.heads.get(chain)?.get(entry.seq);
      if (expected) {
        if (expected.hash !== hash)
          return failure(
            'checkpoint_mismatch',
            `${at}: the entry's hash is not the one checkpoint ${expected.number} recorded for it: the history up to here was rewritten`,
          );
        this.matched.add(`${chain}#${entry.seq}`);
      }
    }
    this.current =
      current && current.chain === chain
        ? { ...current, seq: entry.seq, hash, at: entry.at, line }
        : { chain, firstSeq: entry.seq, firstPrevHash: entry.prevHash, seq: entry.seq, hash, at: entry.at, line };
    this.seen += 1;
    return undefined;
  }

  private close(): void {
    const c = this.current!;
    this.ranges.push({ chain: c.chain, firstSeq: c.firstSeq, lastSeq: c.seq, firstPrevHash: c.firstPrevHash, headHash: c.hash });
  }

  /** After the last entry: nothing a checkpoint vouches for, and nothing the manifest signed, may be missing. */
  finish(): ChainsFailure | undefined {
    if (this.current) this.close();
    this.current = undefined;
    if (this.expectations) {
      let missing: { chain: string; seq: number; number: number; at: string } | undefined;
      for (const [chain, seqs] of this.expectations.heads) {
        for (const [seq, { number, at }] of seqs) {
          if (!this.matched.has(`${chain}#${seq}`) && (!missing || number < missing.number)) missing = { chain, seq, number, at };
        }
      }
      if (missing) {
        return {
          code: 'checkpoint_entry_missing',
          chain: missing.chain,
          seq: missing.seq,
          message: `checkpoint ${missing.number} recorded chain ${missing.chain} at seq ${missing.seq} (${missing.at}), inside the export's dates, but the export has no such entry: entries were removed`,
        };
      }
    }
    if (this.seen < this.manifest.count) {
      const missing = this.manifest.count - this.seen;
      return {
        code: 'truncated',
        message: `the file holds ${this.seen} entries, but the manifest covers ${this.manifest.count}: ${missing} ${missing === 1 ? 'entry is' : 'entries are'} missing`,
      };
    }
    if (this.ranges.length !== this.manifest.chains || rangesDigest(this.ranges) !== this.manifest.rangesSha256) {
      return {
        code: 'ranges_mismatch',
        message: `the chains in the file (${this.ranges.length} runs) are not the ${this.manifest.chains} the manifest signed: entries were removed, added or moved at a chain's start or end`,
      };
    }
    return undefined;
  }
}
