import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * Identifier normalisation: the same person, typed differently by two front desks, must
 * give the same string (and so the same token). Everything here is pure and runs only in
 * the memory of one request.
 */

/** E.164 (`+18605550100`), or undefined when the text is not a valid number for the region. */
export function normalisePhone(raw: string, defaultRegion: string): string | undefined {
  const parsed = parsePhoneNumberFromString(raw, defaultRegion as CountryCode);
  if (!parsed || !parsed.isValid()) return undefined;
  return parsed.number; // the extension, if any, is not part of the number
}

/** Trimmed, Unicode-composed (NFC, so `é` typed either way is one address) and lower-cased. */
export function normaliseEmail(raw: string): string {
  return raw.trim().normalize('NFC').toLowerCase();
}

/** Letters that Unicode decomposition does not fold to ASCII on its own. */
const extraFolds: Record<string, string> = {
  ß: 'ss', ẞ: 'ss', æ: 'ae', Æ: 'ae', œ: 'oe', Œ: 'oe', ø: 'o', Ø: 'o', ł: 'l', Ł: 'l',
  đ: 'd', Đ: 'd', ð: 'd', Ð: 'd', þ: 'th', Þ: 'th', ı: 'i', ĸ: 'k',
};

/**
 * A full name, folded for matching: compatibility-normalised (NFKC then NFKD), accents and
 * other combining marks removed, case folded, invisible format characters (zero-width, RTL
 * marks) dropped, apostrophes and middle dots dropped (`O'Brien` = `OBrien`), and every other run of
 * punctuation or whitespace collapsed to one space (`Mary-Jane` = `Mary Jane`).
 * Returns '' when nothing letter-like is left.
 */
export function normaliseName(raw: string): string {
  const decomposed = raw.normalize('NFKC').normalize('NFKD');
  let folded = '';
  for (const char of decomposed) folded += extraFolds[char] ?? char;
  return folded
    .replace(/\p{M}+/gu, '')
    .replace(/\p{Cf}+/gu, '')
    .toLowerCase()
    .replace(/['’‘`´ʼ·]/gu, '') // apostrophes, and the Catalan middle dot (Col·lado = Collado)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
