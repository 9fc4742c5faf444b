import { confusablePrototypes } from './confusables.ts';
import { extraFolds } from './normalise.ts';

/**
 * Names folded for tolerant matching, following Unicode's own rules (UTS #39 and the Unicode
 * Standard's default-ignorable code points):
 * - default-ignorable code points (zero-width characters, bidi controls, the Hangul fillers,
 *   variation selectors) are removed: they change nothing a person sees;
 * - compatibility forms are folded (NFKC: fullwidth letters, ligatures);
 * - combining marks are removed only where the script treats them as optional (accents in Latin,
 *   Greek, Cyrillic and Armenian; vowel points in Hebrew and Arabic). In Devanagari, Bengali, Thai,
 *   Japanese kana and every other script, a mark is part of the letter and different marks are
 *   different names, so they are kept;
 * - each letter of the scripts whose letters pass for Latin ones (Greek, Cyrillic, Armenian,
 *   Cherokee) is replaced by its UTS #39 confusables prototype, so that a Cyrillic "е" typed
 *   inside a Latin name gives the same skeleton as the Latin "e"; Latin letters stay as typed.
 * Everything here is pure and runs only in the memory of one request.
 */

const defaultIgnorable = /\p{Default_Ignorable_Code_Point}/gu;
const optionalMarkBase = /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Armenian}\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Common}]/u;
const confusableScript = /[\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Armenian}\p{Script=Cherokee}]/u;

/** Removes the combining marks that follow a letter of a script whose marks are optional. */
function dropOptionalMarks(decomposed: string): string {
  let out = '';
  let baseOptional = false;
  for (const char of decomposed) {
    if (/\p{M}/u.test(char)) {
      if (!baseOptional) out += char;
      continue;
    }
    baseOptional = optionalMarkBase.test(char);
    out += extraFolds[char] ?? char;
  }
  return out;
}

/** One lower-case word with its Greek, Cyrillic, Armenian and Cherokee letters replaced by their UTS #39 prototypes. */
function skeleton(word: string): string {
  if (!confusableScript.test(word)) return word;
  let out = '';
  for (const char of word) out += confusablePrototypes[char] ?? char;
  return dropOptionalMarks(out.normalize('NFD')).normalize('NFC');
}

/**
 * A name as lower-case words of letters and digits: invisible characters gone, optional marks
 * gone, apostrophes and middle dots dropped (`O'Brien` = `OBrien`), every other run of
 * punctuation or space a word break, each word reduced to its skeleton. "Last, First" (one
 * comma) is read as "First Last".
 */
export function nameWords(raw: string): string[] {
  const commaParts = raw.split(',');
  const ordered = commaParts.length === 2 && commaParts.every((part) => /\p{L}/u.test(part)) ? `${commaParts[1]} ${commaParts[0]}` : raw;
  const folded = dropOptionalMarks(ordered.replace(defaultIgnorable, '').normalize('NFKC').normalize('NFKD'))
    .normalize('NFC')
    .toLowerCase()
    .replace(/['’‘`´ʼ·]/gu, '')
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, ' ')
    .trim();
  return folded === '' ? [] : folded.split(' ').map(skeleton);
}

/** Short words that belong to the next one in surnames: "O Connor" = "O'Connor", "van der Berg" = "Vanderberg". */
const particles: ReadonlySet<string> = new Set([
  'o',
  'da',
  'de',
  'del',
  'della',
  'der',
  'den',
  'des',
  'di',
  'du',
  'la',
  'le',
  'van',
  'von',
  'mc',
  'mac',
  'st',
  'ter',
  'ten',
  'el',
  'al',
  'bin',
  'ibn',
  'y',
]);

/** Words with particles joined to the word after them. */
function joinParticles(words: readonly string[]): string[] {
  const out: string[] = [];
  let pending = '';
  words.forEach((word, i) => {
    if (particles.has(word) && i < words.length - 1 && i > 0) pending += word;
    else {
      out.push(pending + word);
      pending = '';
    }
  });
  return out;
}

/** One letter of an alphabet: an initial. (One Hangul syllable or Han character is a whole name part.) */
const isInitial = (word: string): boolean => [...word].length === 1 && /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Armenian}]/u.test(word);

export interface NameParts {
  /** Every word, particles joined, in the order typed ("Last, First" turned round). */
  readonly words: readonly string[];
  /** The words sorted: the same for any order, spacing or punctuation of the same words. */
  readonly key: string;
  /** The words that are not initials, in order. */
  readonly full: readonly string[];
}

export function nameParts(raw: string): NameParts | undefined {
  const words = joinParticles(nameWords(raw));
  if (words.length === 0) return undefined;
  const full = words.filter((word) => !isInitial(word));
  return { words, key: [...words].sort().join(' '), full: full.length > 0 ? full : words };
}

/** The strings one deletion away from `word`, and the word itself (a deletion neighbourhood of radius 1). */
export function deletionNeighbourhood(word: string): string[] {
  const chars = [...word];
  const out = new Set([word]);
  if (chars.length > 3) for (let i = 0; i < chars.length; i += 1) out.add(chars.slice(0, i).join('') + chars.slice(i + 1).join(''));
  return [...out];
}

/** True when the name is written (in part) in a script whose marks the legacy folding removed although they matter. */
export function hasMeaningfulMarks(raw: string): boolean {
  for (const char of raw.normalize('NFKD')) if (/\p{M}/u.test(char) && !/[\u0300-\u036f]/u.test(char)) return true;
  return false;
}
