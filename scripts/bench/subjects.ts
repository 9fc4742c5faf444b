/**
 * Made-up clients for the benchmark. Subject `n` is the same person every time it is asked for,
 * so a check can be made to match an alert seeded or submitted for `n`, or to miss.
 */
export interface BenchSubject {
  readonly fullName: string;
  readonly dateOfBirth: string;
  readonly phone: string;
  readonly email?: string;
}

const first = [
  'Alex',
  'Blake',
  'Casey',
  'Drew',
  'Emery',
  'Finley',
  'Gray',
  'Harper',
  'Jordan',
  'Kendall',
  'Logan',
  'Morgan',
  'Noel',
  'Parker',
  'Quinn',
  'Reese',
];
const last = [
  'Abbott',
  'Barrow',
  'Carver',
  'Dalton',
  'Ellison',
  'Fairley',
  'Garrison',
  'Holloway',
  'Ingram',
  'Jessup',
  'Kimball',
  'Lowell',
  'Mercer',
  'Norwood',
];

/** Subject `n` (0 ≤ n < 10^7): a unique name, a date of birth, a unique US phone and, for even n, an e-mail. */
export function subject(n: number): BenchSubject {
  const name = `${first[n % first.length]} ${toLetters(n)} ${last[Math.floor(n / first.length) % last.length]}`;
  const dob = `19${50 + (n % 50)}-${String(1 + (n % 12)).padStart(2, '0')}-${String(1 + (n % 28)).padStart(2, '0')}`;
  // 860 area code, exchange 2xx–9xx: valid North American numbers that libphonenumber accepts.
  const digits = String(n).padStart(7, '0');
  const phone = `+1 860 ${String(200 + (Number(digits.slice(0, 3)) % 800))} ${digits.slice(3)}`;
  return { fullName: name, dateOfBirth: dob, phone, ...(n % 2 === 0 ? { email: `client${n}@example.org` } : {}) };
}

/** A base-26 rendering of n, so every name is distinct without digits (names are normalised to letters). */
function toLetters(n: number): string {
  let out = '';
  let rest = n;
  do {
    out = String.fromCharCode(97 + (rest % 26)) + out;
    rest = Math.floor(rest / 26);
  } while (rest > 0);
  return out.charAt(0).toUpperCase() + out.slice(1);
}

/**
 * The subjects a load phase screens, in order: every `1 / matchRatio`-th one is a known alert's
 * subject (drawn from `known`), the others people nobody reported (numbers from `unknownFrom` up).
 */
export function screeningPool(options: { size: number; matchRatio: number; known: readonly number[]; unknownFrom: number }): BenchSubject[] {
  const every = options.matchRatio > 0 && options.known.length > 0 ? Math.max(1, Math.round(1 / options.matchRatio)) : undefined;
  return Array.from({ length: options.size }, (_, i) =>
    every !== undefined && i % every === 0 ? subject(options.known[Math.floor(i / every!) % options.known.length]!) : subject(options.unknownFrom + i),
  );
}
