/**
 * The error model of the matching evaluation: how a second desk writes down the same client.
 * Each kind returns the booking as that desk would type it, or undefined where the kind does not
 * apply to the person (no nickname for the name, no middle name to drop, …). Name variants carry
 * the name and the date of birth only: with a phone or an e-mail beside them, an exact recipe
 * would find the client whatever happened to the name.
 */
import type { SubjectIdentifiers } from '#shared/identifiers/recipes.ts';
import { formalGivenNames } from '#shared/identifiers/nicknames.ts';
import { fullName, pick, randomDate, type Person, type Random } from './population.ts';

type Variant = (person: Person, random: Random) => SubjectIdentifiers | undefined;

const nameAndDob = (name: string, person: Person, dateOfBirth = person.dateOfBirth): SubjectIdentifiers => ({ fullName: name, dateOfBirth });

/** Nicknames by formal name, read back from the matcher's own table. */
function nicknamesOf(given: string): string[] {
  const lower = given.toLowerCase();
  const out: string[] = [];
  for (const candidate of nicknameCandidates) if (candidate !== lower && formalGivenNames(candidate).includes(lower)) out.push(candidate);
  return out;
}
const nicknameCandidates =
  'bob rob robbie bobby bill will billy liam jim jimmy jamie mike mickey mick dave davey rick ricky dick rich richie joe joey tom tommy chuck charlie chris kit dan danny matt tony andy drew steve liz beth betty lizzie eliza patty trish pat jen jenny sue susie suzy jess jessie sally peggy maggie meg kate katie kathy becky becca sam sammy vicky tori ed eddie ted teddy alex sandy nick nicky jon jonny abby gail pepe paco pancho lola lupe nacho chucho chuy charo meche memo quique hans jan fritz liesel kasia gosia wojtek olek'.split(
    ' ',
  );

const capitalise = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

/** One typing error in a name part: a letter replaced, left out, doubled or two swapped. */
function typo(kind: 'substitution' | 'deletion' | 'insertion' | 'transposition'): Variant {
  return (person, random) => {
    if (!person.spaced) return undefined;
    const parts = [person.given, ...person.family];
    const at = Math.floor(random() * parts.length);
    const chars = [...parts[at]!];
    if (chars.length < 4) return undefined;
    const i = 1 + Math.floor(random() * (chars.length - 2));
    const letters = person.latin ? 'abcdefghijklmnopqrstuvwxyz' : [...new Set(chars)].join('');
    if (kind === 'substitution')
      chars[i] = pick(
        random,
        [...letters].filter((letter) => letter !== chars[i]),
      );
    if (kind === 'deletion') chars.splice(i, 1);
    if (kind === 'insertion') chars.splice(i, 0, pick(random, [...letters]));
    if (kind === 'transposition') [chars[i], chars[i + 1]] = [chars[i + 1]!, chars[i]!];
    parts[at] = chars.join('');
    return nameAndDob(fullName({ ...person, given: parts[0]!, family: parts.slice(1) }), person);
  };
}

const lookAlikes: Record<string, string> = { a: 'а', e: 'е', o: 'о', p: 'р', c: 'с', x: 'х', y: 'у', i: 'і' };

export const variantKinds: Readonly<Record<string, Variant>> = {
  formatting: (person, random) => {
    const name = fullName(person);
    const styles = [
      () => name.toUpperCase(),
      () => `  ${name.toLowerCase().replace(/ /g, '   ')} `,
      () => name.normalize('NFKD').replace(/[\u0300-\u036f]/g, ''),
      () => (person.spaced ? `${person.family.join(' ')}, ${[person.given, person.middle].filter(Boolean).join(' ')}` : name),
      () => name.replace(/'/g, ' ').replace(/-/g, ' '),
    ];
    return nameAndDob(pick(random, styles)(), person);
  },
  nickname: (person, random) => {
    const nicknames = nicknamesOf(person.given);
    return nicknames.length === 0 ? undefined : nameAndDob(fullName({ ...person, given: capitalise(pick(random, nicknames)) }), person);
  },
  typo_substitution: typo('substitution'),
  typo_deletion: typo('deletion'),
  typo_insertion: typo('insertion'),
  typo_transposition: typo('transposition'),
  word_order: (person) => (person.spaced ? nameAndDob([...person.family, person.given].join(' '), person) : undefined),
  middle_name_added: (person, random) =>
    person.middle || !person.spaced
      ? undefined
      : nameAndDob(fullName({ ...person, middle: random() < 0.5 ? `${person.given === 'Ann' ? 'B' : 'J'}.` : 'Marie' }), person),
  middle_name_dropped: (person) => (person.middle ? nameAndDob(fullName({ ...person, middle: undefined }), person) : undefined),
  middle_initial: (person) => (person.middle && person.latin ? nameAndDob(fullName({ ...person, middle: `${person.middle.charAt(0)}.` }), person) : undefined),
  surname_dropped: (person) => (person.family.length > 1 ? nameAndDob(fullName({ ...person, family: person.family.slice(0, 1) }), person) : undefined),
  dob_digit: (person, random) => {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const digits = [...person.dateOfBirth.replaceAll('-', '')];
      const i = Math.floor(random() * 8);
      digits[i] = String((Number(digits[i]) + 1 + Math.floor(random() * 9)) % 10);
      const candidate = `${digits.slice(0, 4).join('')}-${digits.slice(4, 6).join('')}-${digits.slice(6).join('')}`;
      if (!Number.isNaN(Date.parse(`${candidate}T00:00:00Z`)) && new Date(`${candidate}T00:00:00Z`).toISOString().startsWith(candidate)) {
        return nameAndDob(fullName(person), person, candidate);
      }
    }
    return undefined;
  },
  dob_day_month_swapped: (person) => {
    const [year, month, day] = person.dateOfBirth.split('-');
    return day === month || Number(day) > 12 ? undefined : nameAndDob(fullName(person), person, `${year}-${day}-${month}`);
  },
  look_alike_letter: (person, random) => {
    if (!person.latin) return undefined;
    const name = fullName(person);
    const positions = [...name].map((char, i) => (lookAlikes[char] ? i : -1)).filter((i) => i >= 0);
    if (positions.length === 0) return undefined;
    const chars = [...name];
    const at = pick(random, positions);
    chars[at] = lookAlikes[chars[at]!]!;
    return nameAndDob(chars.join(''), person);
  },
  invisible_character: (person, random) => {
    const chars = [...fullName(person)];
    const invisible = person.culture === 'korean' ? '\u3164' : pick(random, ['\u200b', '\u200d', '\u2060', '\u00ad']);
    chars.splice(1 + Math.floor(random() * (chars.length - 1)), 0, invisible);
    return nameAndDob(chars.join(''), person);
  },
  email_provider_form: (person) => {
    const [local, domain] = person.email.split('@') as [string, string];
    if (domain === 'gmail.com') return { email: `${local.replace('.', '')}+booking@googlemail.com`.toUpperCase() };
    if (['outlook.com', 'icloud.com', 'fastmail.com'].includes(domain)) return { email: `${local}+spa@${domain}` };
    return { email: person.email.toUpperCase() };
  },
  phone_format: (person) => ({ phone: `(${person.phone.slice(3, 6)}) ${person.phone.slice(7, 10)}-${person.phone.slice(11)}` }),
};

/** Bookings of people who are not in the alert set, made to resemble the people who are. */
export const negativeKinds = {
  stranger: (person: Person): SubjectIdentifiers => ({
    fullName: fullName(person),
    dateOfBirth: person.dateOfBirth,
    ...(person.id % 2 ? { phone: person.phone } : { email: person.email }),
  }),
  stranger_name_and_dob: (person: Person): SubjectIdentifiers => nameAndDob(fullName(person), person),
  same_name_other_birthday: (alerted: Person, random: Random): SubjectIdentifiers => {
    let dob: string;
    do dob = randomDate(random);
    while (dob.slice(0, 4) === alerted.dateOfBirth.slice(0, 4));
    return { fullName: fullName(alerted), dateOfBirth: dob };
  },
  near_miss_phone: (alerted: Person): SubjectIdentifiers => {
    const last = Number(alerted.phone.at(-1));
    return { phone: `${alerted.phone.slice(0, -1)}${(last + 1) % 10}` };
  },
  stranger_name_only: (person: Person): SubjectIdentifiers => ({ fullName: fullName(person) }),
} as const;
