import { doubleMetaphone } from 'double-metaphone';
import { canonicalEmail, normaliseEmail, normaliseName, normalisePhone } from './normalise.ts';
import { deletionNeighbourhood, hasMeaningfulMarks, nameParts } from './names.ts';
import { formalGivenNames } from './nicknames.ts';
import type { TokenKind } from './token-kinds.ts';

/**
 * Token recipes: the messages a subject's tokens are MACs of. Each recipe tolerates one kind of
 * variation between two desks' spelling of the same client.
 *
 * Direct recipes are MACed with the network's key (one KMS GenerateMac each in AWS):
 * - `phone`: E.164;  `email`: the address as its provider reads it (plus-tags dropped where the
 *   provider defines them, dots dropped for Gmail);  `name_dob`: the name's words in any order,
 *   with the date of birth;  `name`: the name's words alone.
 * Anchored recipes come in families of many variants; each family is MACed once with the
 * network's key over its anchor (the date of birth, or the name), and the variants are HMACs
 * under that anchor key, computed in the request's memory (one KMS request per family, not per
 * variant):
 * - under the date of birth: `pair_dob` (any two full words of the name: middle names, initials
 *   and a missing second surname), `nickname_dob` (the given name as the formal names it may
 *   stand for), `phonetic_dob` (Double Metaphone codes of the first and last word), `edit_dob`
 *   (one typing error in the first or last word: deletion neighbourhoods);
 * - under the name: `dob_variant` (one wrong digit in the date of birth, day and month swapped).
 * Messages carry their recipe, so a token of one recipe never equals a token of another.
 */

export interface SubjectIdentifiers {
  readonly fullName?: string | undefined;
  readonly dateOfBirth?: string | undefined;
  readonly phone?: string | undefined;
  readonly email?: string | undefined;
}

export interface DirectMessage {
  readonly kind: TokenKind;
  readonly message: string;
}

export interface AnchoredFamily {
  /** MACed with the network's key; the result keys the HMACs of the variants. */
  readonly anchor: string;
  readonly variants: readonly DirectMessage[];
}

export interface SubjectMessages {
  readonly direct: readonly DirectMessage[];
  readonly anchored: readonly AnchoredFamily[];
}

/**
 * What is stored for an alert (`store`) and what a check looks up (`lookup`). A lookup adds the
 * variants that only one side needs (the swapped day and month), and the messages of the recipes
 * used before tolerant matching (`v1`), so that alerts tokenised then still match.
 */
export function subjectMessages(subject: SubjectIdentifiers, phoneRegion: string, purpose: 'store' | 'lookup'): SubjectMessages {
  const direct: DirectMessage[] = [];
  const anchored: AnchoredFamily[] = [];
  const phone = subject.phone === undefined ? undefined : normalisePhone(subject.phone, phoneRegion);
  if (phone) direct.push({ kind: 'phone', message: `v1|phone|${phone}` });
  if (subject.email !== undefined) {
    const exact = normaliseEmail(subject.email);
    const canonical = canonicalEmail(subject.email);
    if (canonical) direct.push({ kind: 'email', message: `v1|email|${canonical}` });
    if (purpose === 'lookup' && exact && exact !== canonical) direct.push({ kind: 'email', message: `v1|email|${exact}` });
  }
  const name = subject.fullName === undefined ? undefined : nameParts(subject.fullName);
  const dob = subject.dateOfBirth;
  if (name) {
    direct.push({ kind: 'name', message: `v2|name|${name.key}` });
    if (dob) {
      direct.push({ kind: 'name_dob', message: `v2|name_dob|${name.key}|${dob}` });
      anchored.push({ anchor: `v2|anchor|dob|${dob}`, variants: dobAnchoredVariants(name.full) });
      anchored.push({ anchor: `v2|anchor|name|${name.key}`, variants: dobVariants(dob, purpose) });
    }
  }
  if (purpose === 'lookup' && subject.fullName !== undefined && !hasMeaningfulMarks(subject.fullName)) {
    const legacy = normaliseName(subject.fullName);
    if (legacy) {
      if (dob) direct.push({ kind: 'name_dob', message: `v1|name_dob|${legacy}|${dob}` });
      direct.push({ kind: 'name', message: `v1|name|${legacy}` });
    }
  }
  return { direct, anchored };
}

const sortedPair = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);

/** Name variants under the date-of-birth anchor. Needs two full words (a given name and a surname). */
function dobAnchoredVariants(words: readonly string[]): DirectMessage[] {
  if (words.length < 2) return [];
  const out = new Map<string, DirectMessage>();
  const add = (kind: TokenKind, message: string) => out.set(message, { kind, message });
  const capped = words.slice(0, 4);
  for (let i = 0; i < capped.length; i += 1) for (let j = i + 1; j < capped.length; j += 1) add('pair_dob', `pair|${sortedPair(capped[i]!, capped[j]!)}`);
  const first = words[0]!;
  const last = words[words.length - 1]!;
  for (const formal of formalGivenNames(first)) add('nickname_dob', `nick|${formal}|${last}`);
  const [firstCodes, lastCodes] = [phoneticCodes(first), phoneticCodes(last)];
  for (const a of firstCodes) for (const b of lastCodes) add('phonetic_dob', `phon|${sortedPair(a, b)}`);
  for (const variant of deletionNeighbourhood(first)) add('edit_dob', `edit|${sortedPair(variant, last)}`);
  for (const variant of deletionNeighbourhood(last)) add('edit_dob', `edit|${sortedPair(first, variant)}`);
  return [...out.values()];
}

/** Double Metaphone's primary and alternate codes of a Latin-script word; the word itself otherwise. */
function phoneticCodes(word: string): string[] {
  if (!/^[a-z]+$/.test(word)) return [word];
  const codes = doubleMetaphone(word).filter((code) => code !== '');
  return codes.length > 0 ? [...new Set(codes)] : [word];
}

/**
 * Date-of-birth variants under the name anchor: the date itself, its eight digits each left out in
 * turn (one wrong digit on either side leaves the same seven), and on lookup the day and month
 * swapped (a date typed in the other order).
 */
function dobVariants(dob: string, purpose: 'store' | 'lookup'): DirectMessage[] {
  const digits = dob.replaceAll('-', '');
  const out: DirectMessage[] = [{ kind: 'dob_variant', message: `dob|${digits}` }];
  for (let i = 0; i < digits.length; i += 1) out.push({ kind: 'dob_variant', message: `dobdel|${i}|${digits.slice(0, i)}${digits.slice(i + 1)}` });
  if (purpose === 'lookup') {
    const [year, month, day] = dob.split('-');
    if (day !== month && Number(day) <= 12) out.push({ kind: 'dob_variant', message: `dob|${year}${day}${month}` });
  }
  return out;
}
