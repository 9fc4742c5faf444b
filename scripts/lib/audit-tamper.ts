/**
 * The ways an attacker (or an accident) can change a jsonl audit export, applied line by line
 * so they work on a 100,000-entry file as well as on a test's few lines. Used by the verifier's
 * tests and by `npm run bench:audit-export`.
 */
import { generateKeyPairSync } from 'node:crypto';
import { chainEntries } from '#shared/audit/chain.ts';
import { manifestLine, manifestStatement, type Manifest } from '#shared/audit/manifest.ts';
import { signStatement } from '#shared/domain/signing.ts';
import { buildLocalSigner } from '#shared/adapters/local/local-signer.ts';
import type { Signer } from '#shared/ports.ts';
import type { AuditEntry } from '#shared/records.ts';

export const tamperKinds = [
  'edited_field',
  'removed_entry',
  'swapped_entries',
  'inserted_entry',
  'truncated_tail',
  'foreign_key_manifest',
  'head_mismatch_manifest',
] as const;
export type TamperKind = (typeof tamperKinds)[number];

export interface TamperPlan {
  /** The export's manifest (the file's last line). */
  readonly manifest: Manifest;
  /** The seq the entry-level cases act on (swapped: it and the next; inserted: after it). */
  readonly target: number;
  /** How many entries `truncated_tail` removes from the end. */
  readonly tail: number;
  /** The network's signer: `head_mismatch_manifest` is a genuinely signed manifest that lies about the head. */
  readonly networkSigner: Signer;
}

/** What the verifier must answer for each case: its failure code and the first bad seq. */
export function expectedFailure(kind: TamperKind, plan: TamperPlan): { code: string; seq: number | undefined } {
  const lastSeq = plan.manifest.lastSeq!;
  const answers: Record<TamperKind, { code: string; seq: number | undefined }> = {
    edited_field: { code: 'hash_mismatch', seq: plan.target },
    removed_entry: { code: 'seq_gap', seq: plan.target },
    swapped_entries: { code: 'seq_gap', seq: plan.target },
    inserted_entry: { code: 'seq_repeat', seq: plan.target + 1 },
    truncated_tail: { code: 'truncated', seq: lastSeq - plan.tail + 1 },
    foreign_key_manifest: { code: 'bad_signature', seq: undefined },
    head_mismatch_manifest: { code: 'head_mismatch', seq: lastSeq },
  };
  return answers[kind];
}

/** The lines of the tampered file, from the lines of the genuine one. */
export async function* tamper(lines: AsyncIterable<string> | Iterable<string>, kind: TamperKind, plan: TamperPlan): AsyncGenerator<string> {
  let held: string | undefined;
  for await (const line of lines) {
    const value = JSON.parse(line) as AuditEntry | Manifest;
    if ('type' in value && value.type === 'manifest') {
      yield await tamperedManifest(line, value, kind, plan);
      continue;
    }
    const entry = value as AuditEntry;
    if (kind === 'truncated_tail' && entry.seq > plan.manifest.lastSeq! - plan.tail) continue;
    if (entry.seq !== plan.target && held === undefined) {
      yield line;
      continue;
    }
    switch (kind) {
      case 'edited_field':
        // The outcome changes; the hash is left as it was.
        yield JSON.stringify({ ...entry, outcome: `${entry.outcome}-edited` });
        break;
      case 'removed_entry':
        break;
      case 'swapped_entries':
        if (held === undefined) held = line;
        else {
          yield line;
          yield held;
          held = undefined;
        }
        break;
      case 'inserted_entry': {
        // A forgery done properly: the next seq, the right prevHash, a correct hash of its own.
        yield line;
        const [forged] = chainEntries(
          entry,
          [{ action: 'key.revoked', actor: { keyId: entry.actor.keyId, role: 'admin' }, targets: { keyId: 'key_forged' }, outcome: 'success' }],
          new Date(entry.at),
        );
        yield JSON.stringify(forged);
        break;
      }
      default:
        yield line;
    }
  }
}

async function tamperedManifest(line: string, manifest: Manifest, kind: TamperKind, plan: TamperPlan): Promise<string> {
  if (kind === 'foreign_key_manifest') {
    // Same fields and key id, signed by a key that is not the network's.
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const other = buildLocalSigner(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const { signature } = await signStatement(other, manifestStatement(manifest));
    return manifestLine({ ...manifest, signature });
  }
  if (kind === 'head_mismatch_manifest') {
    const statement = { ...manifestStatement(manifest), headHash: manifest.firstPrevHash! };
    const { signature } = await signStatement(plan.networkSigner, statement);
    return manifestLine({ ...statement, signature });
  }
  return line;
}
