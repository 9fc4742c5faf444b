import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * Identifier normalisation: the same person, typed differently by two front desks, must
 * give the same string (and so the same token). Everything here is pure and runs only in
 * the memory of one request.
 */

/** E.164 (`+18605550100`), or undefined when the text is not a valid number for the region. */
export function normalisePhone(raw: string, defaultRegion: string): string | undefined {
  const parsed = parsePhoneNumberFromString(raw, defaultRegion as CountryCode);
  if (!parsed?.isValid()) return undefined;
  return parsed.number; // the extension, if any, is not part of the number
}

/** Trimmed, Unicode-composed (NFC, so `é` typed either way is one address) and lower-cased. */
export function normaliseEmail(raw: string): string {
  return raw.trim().normalize('NFC').toLowerCase();
}

/** Letters that Unicode decomposition does not fold to ASCII on its own (both the `v1` name and the tolerant recipes fold them). */
export const extraFolds: Readonly<Record<string, string>> = {
  ß: 'ss',
  ẞ: 'ss',
  æ: 'ae',
  Æ: 'ae',
  œ: 'oe',
  Œ: 'oe',
  ø: 'o',
  Ø: 'o',
  ł: 'l',
  Ł: 'l',
  đ: 'd',
  Đ: 'd',
  ð: 'd',
  Ð: 'd',
  þ: 'th',
  Þ: 'th',
  ı: 'i',
  ĸ: 'k',
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

/** Providers that ignore a `+tag` after the mailbox name (sub-addressing), by the domain they serve. */
const plusTagDomains: ReadonlySet<string> = new Set([
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'msn.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'fastmail.com',
  'fastmail.fm',
  'protonmail.com',
  'proton.me',
  'pm.me',
  'zoho.com',
  'yandex.ru',
  'yandex.com',
]);
/** Gmail ignores dots in the mailbox name and serves googlemail.com as gmail.com. */
const dotlessDomains: ReadonlySet<string> = new Set(['gmail.com', 'googlemail.com']);

/**
 * The mailbox an address delivers to, as its provider defines it: normalised as above, then for
 * providers that document it, the `+tag` dropped and (Gmail) the dots of the mailbox name.
 * Unknown domains are left as they are: for them `a.b` and `ab` may be two people.
 */
export function canonicalEmail(raw: string): string {
  const email = normaliseEmail(raw);
  const at = email.lastIndexOf('@');
  if (at <= 0) return email;
  let local = email.slice(0, at);
  let domain = email.slice(at + 1);
  if (plusTagDomains.has(domain)) local = local.split('+')[0] || local;
  if (dotlessDomains.has(domain)) {
    local = local.replaceAll('.', '') || local;
    domain = 'gmail.com';
  }
  return `${local}@${domain}`;
}
