import type { Keyring } from '../ports.ts';
import { normaliseEmail, normaliseName, normalisePhone } from './normalise.ts';

/**
 * Token kinds, strongest first. A match on a strong kind is `strong` confidence; a match on
 * the name alone (no date of birth) is only `possible`.
 */
export const tokenKinds = ['phone', 'email', 'name_dob', 'name'] as const;
export type TokenKind = (typeof tokenKinds)[number];
export const strongKinds: ReadonlySet<TokenKind> = new Set(['phone', 'email', 'name_dob']);

export interface SubjectIdentifiers {
  readonly fullName?: string | undefined;
  readonly dateOfBirth?: string | undefined;
  readonly phone?: string | undefined;
  readonly email?: string | undefined;
}

export interface SubjectToken {
  readonly kind: TokenKind;
  readonly token: string;
  /** The key version it was made with; absent on tokens made before versions were recorded (`k1`). */
  readonly keyVersion?: string | undefined;
}

/** The normalised messages to MAC, one per kind the subject allows: `v1|<kind>|<value>`. */
export function tokenMessages(subject: SubjectIdentifiers, phoneRegion: string): { kind: TokenKind; message: string }[] {
  const out: { kind: TokenKind; message: string }[] = [];
  const phone = subject.phone === undefined ? undefined : normalisePhone(subject.phone, phoneRegion);
  if (phone) out.push({ kind: 'phone', message: `v1|phone|${phone}` });
  if (subject.email !== undefined) {
    const email = normaliseEmail(subject.email);
    if (email) out.push({ kind: 'email', message: `v1|email|${email}` });
  }
  const name = subject.fullName === undefined ? '' : normaliseName(subject.fullName);
  if (name && subject.dateOfBirth) out.push({ kind: 'name_dob', message: `v1|name_dob|${name}|${subject.dateOfBirth}` });
  if (name) out.push({ kind: 'name', message: `v1|name|${name}` });
  return out;
}

/** Computes every token for a subject with the current key, concurrently (KMS GenerateMac in AWS). */
export function computeTokens(keyring: Keyring, subject: SubjectIdentifiers, phoneRegion: string): Promise<SubjectToken[]> {
  return macMessages(keyring, tokenMessages(subject, phoneRegion));
}

/**
 * The tokens a check looks up: the current key's, and during a key rotation's migration window
 * also those of the keys it replaced, so alerts published before the rotation still match
 * without anyone seeing their identifiers again. The subject is normalised once for all keys.
 */
export async function lookupTokens(keyring: Keyring, subject: SubjectIdentifiers, phoneRegion: string): Promise<SubjectToken[]> {
  const messages = tokenMessages(subject, phoneRegion);
  const all = await Promise.all([keyring, ...(keyring.previous ?? [])].map((key) => macMessages(key, messages)));
  return all.flat();
}

async function macMessages(keyring: Keyring, messages: readonly { kind: TokenKind; message: string }[]): Promise<SubjectToken[]> {
  const macs = await Promise.all(messages.map(({ message }) => keyring.mac(message)));
  return messages.map(({ kind }, i) => ({ kind, token: Buffer.from(macs[i]!).toString('base64url'), keyVersion: keyring.version }));
}
