import { createHmac } from 'node:crypto';
import type { Keyring } from '../ports.ts';
import { subjectMessages, type DirectMessage, type SubjectIdentifiers, type SubjectMessages } from './recipes.ts';
import type { TokenKind } from './token-kinds.ts';

export interface SubjectToken {
  readonly kind: TokenKind;
  readonly token: string;
  /** The key version it was made with; absent on tokens made before versions were recorded (`k1`). */
  readonly keyVersion?: string | undefined;
}

/** The number of network-key MACs (KMS GenerateMac requests in AWS) a subject's tokens take. */
export const keyedMacCount = (messages: SubjectMessages): number => messages.direct.length + messages.anchored.length;

/** Computes every token stored for an alert's subject with the current key (KMS GenerateMac in AWS). */
export function computeTokens(keyring: Keyring, subject: SubjectIdentifiers, phoneRegion: string): Promise<SubjectToken[]> {
  return macMessages(keyring, subjectMessages(subject, phoneRegion, 'store'));
}

/**
 * The tokens a check looks up: the current key's, and during a key rotation's migration window
 * also those of the keys it replaced, so alerts published before the rotation still match
 * without anyone seeing their identifiers again. The subject is normalised once for all keys.
 */
export async function lookupTokens(keyring: Keyring, subject: SubjectIdentifiers, phoneRegion: string): Promise<SubjectToken[]> {
  const messages = subjectMessages(subject, phoneRegion, 'lookup');
  const all = await Promise.all([keyring, ...(keyring.previous ?? [])].map((key) => macMessages(key, messages)));
  return all.flat();
}

async function macMessages(keyring: Keyring, messages: SubjectMessages): Promise<SubjectToken[]> {
  const [direct, anchors] = await Promise.all([
    Promise.all(messages.direct.map(({ message }) => keyring.mac(message))),
    Promise.all(messages.anchored.map(({ anchor }) => keyring.mac(anchor))),
  ]);
  const token = (kind: TokenKind, mac: Uint8Array): SubjectToken => ({ kind, token: Buffer.from(mac).toString('base64url'), keyVersion: keyring.version });
  const out = messages.direct.map(({ kind }, i) => token(kind, direct[i]!));
  messages.anchored.forEach(({ variants }, i) => {
    for (const variant of variants) out.push(token(variant.kind, anchoredMac(anchors[i]!, variant)));
  });
  return dedupe(out);
}

/** A variant's token: HMAC-SHA-256 under the anchor's MAC, which exists only in this request's memory. */
const anchoredMac = (anchorKey: Uint8Array, variant: DirectMessage): Uint8Array => createHmac('sha256', anchorKey).update(variant.message).digest();

function dedupe(tokens: SubjectToken[]): SubjectToken[] {
  const seen = new Set<string>();
  return tokens.filter(({ token }) => !seen.has(token) && (seen.add(token), true));
}
