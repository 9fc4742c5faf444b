import { createHash } from 'node:crypto';

/**
 * The Merkle Tree Hash of RFC 6962 (Certificate Transparency) §2.1: SHA-256 with domain
 * separation, a leaf hashed as SHA-256(0x00 ‖ leaf) and an inner node as
 * SHA-256(0x01 ‖ left ‖ right), so no leaf can pass for a node. For n > 1 leaves the left subtree
 * holds the largest power of two below n; the empty tree hashes to SHA-256 of nothing.
 *
 * Written with hex digests and plain Uint8Arrays only, so the browser verifier bundles it as it
 * is (the console's node:crypto shim has createHash('sha256') with hex digests, and no Buffer).
 */
const sha256 = (...parts: Uint8Array[]): Uint8Array => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return fromHex(hash.digest('hex'));
};

const fromHex = (hex: string): Uint8Array => {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
};

const toHex = (bytes: Uint8Array): string => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');

const leafPrefix = Uint8Array.of(0x00);
const nodePrefix = Uint8Array.of(0x01);

export const leafHash = (leaf: Uint8Array): Uint8Array => sha256(leafPrefix, leaf);
export const nodeHash = (left: Uint8Array, right: Uint8Array): Uint8Array => sha256(nodePrefix, left, right);

/** The largest power of two strictly below n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH over already leaf-hashed values. */
function subtree(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 1) return hashes[0]!;
  const k = split(hashes.length);
  return nodeHash(subtree(hashes.slice(0, k)), subtree(hashes.slice(k)));
}

/** The tree head of these leaves, in order (each leaf's bytes as given), as lower-case hex. */
export function merkleRootHex(leaves: readonly Uint8Array[]): string {
  if (leaves.length === 0) return toHex(sha256());
  return toHex(subtree(leaves.map(leafHash)));
}
