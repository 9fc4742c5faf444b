import { randomBytes } from 'node:crypto';

/**
 * Resource ids: a prefix naming the kind, then 48 bits of time and 80 random bits in
 * Crockford base32, so ids sort roughly by creation and cannot be guessed.
 */
const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdKind = 'prc' | 'key' | 'cls' | 'alt' | 'chk' | 'rev' | 'ntf' | 'exp';

const idShape = /^[a-z]{3}_[0-9a-z]{26}$/;

/** True for a string shaped like an id this API hands out (of the given kind, when one is named). */
export function isId(value: string, kind?: IdKind): boolean {
  return idShape.test(value) && (kind === undefined || value.startsWith(`${kind}_`));
}

export function newId(kind: IdKind, now: Date = new Date()): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(now.getTime(), 0, 6);
  randomBytes(10).copy(bytes, 6);
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let out = '';
  for (let i = 0; i < 26; i += 1) {
    out = alphabet[Number(bits & 31n)] + out;
    bits >>= 5n;
  }
  return `${kind}_${out}`;
}
