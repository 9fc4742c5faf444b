import { describe, expect, it } from 'vitest';
import { leafHash, merkleRootHex, nodeHash } from '#shared/audit/merkle.ts';

/** The Certificate Transparency reference vectors (RFC 6962's Merkle Tree Hash, as every CT log computes it). */
const leaves = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((hex) =>
  Uint8Array.from(Buffer.from(hex, 'hex')),
);
const roots = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

describe('the Merkle tree head (RFC 6962)', () => {
  it.each(roots.map((root, size) => [size, root] as const))('of the first %i reference leaves is the published root', (size, root) => {
    expect(merkleRootHex(leaves.slice(0, size))).toBe(root);
  });

  it('separates leaves from nodes: two leaves hashed as a node are not a one-leaf tree of their concatenation', () => {
    const [a, b] = [leafHash(leaves[0]!), leafHash(leaves[1]!)];
    const asNode = Buffer.from(nodeHash(a, b)).toString('hex');
    expect(asNode).toBe(roots[2]);
    expect(merkleRootHex([Uint8Array.from([...a, ...b])])).not.toBe(asNode);
  });

  it('changes when a leaf changes, or when leaves swap places', () => {
    const base = merkleRootHex(leaves);
    expect(merkleRootHex([...leaves.slice(0, 7), Uint8Array.of(1)])).not.toBe(base);
    expect(merkleRootHex([leaves[1]!, leaves[0]!, ...leaves.slice(2)])).not.toBe(base);
  });
});
