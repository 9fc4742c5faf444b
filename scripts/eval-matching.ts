/**
 * npm run eval:matching [-- --people 12000 --alerts 1500 --seed 42 --out bench/results]
 *
 * Measures the matcher's precision and recall. A seeded synthetic population (scripts/matching/
 * population.ts) is drawn; the alerted part of it is tokenised exactly as a submission is
 * (computeTokens, under a local key) and indexed as publication indexes it; then bookings are
 * screened exactly as a check screens them (lookupTokens and matchAlerts, the functions
 * POST /v1/checks runs): variants of the alerted people under the error model
 * (scripts/matching/variants.ts), and people who are not in the set. Prints recall per tier and
 * per kind of variant, and false matches on the negatives; writes the figures as JSON.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildLocalKeyring } from '#shared/adapters/local/local-keyring.ts';
import { matchAlerts } from '#shared/domain/checks.ts';
import { subjectMessages, type SubjectIdentifiers } from '#shared/identifiers/recipes.ts';
import { strongKinds, type TokenKind } from '#shared/identifiers/token-kinds.ts';
import { computeTokens, keyedMacCount, lookupTokens, type SubjectToken } from '#shared/identifiers/tokens.ts';
import { normaliseEmail, normaliseName, normalisePhone } from '#shared/identifiers/normalise.ts';
import type { IndexedAlert } from '#shared/records.ts';
import { fullName, population, seeded, type Person } from './matching/population.ts';
import { negativeKinds, variantKinds } from './matching/variants.ts';

const option = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const outDir = process.argv.includes('--out') ? process.argv[process.argv.indexOf('--out') + 1]! : 'bench/results';
const size = option('people', 12_000);
const alertCount = option('alerts', 1_500);
const seed = option('seed', 42);
const region = 'US';
const now = new Date();
const keyring = buildLocalKeyring(randomBytes(32));
/** `--baseline`: the matcher before tolerant matching (the exact v1 recipes alone), for comparison. */
const baseline = process.argv.includes('--baseline');

async function exactV1Tokens(subject: SubjectIdentifiers): Promise<SubjectToken[]> {
  const legacyName = subject.fullName === undefined ? '' : normaliseName(subject.fullName);
  const phone = subject.phone === undefined ? undefined : normalisePhone(subject.phone, region);
  const messages: [TokenKind, string][] = [];
  if (phone) messages.push(['phone', `v1|phone|${phone}`]);
  if (subject.email) messages.push(['email', `v1|email|${normaliseEmail(subject.email)}`]);
  if (legacyName && subject.dateOfBirth) messages.push(['name_dob', `v1|name_dob|${legacyName}|${subject.dateOfBirth}`]);
  if (legacyName) messages.push(['name', `v1|name|${legacyName}`]);
  return Promise.all(messages.map(async ([kind, message]) => ({ kind, token: Buffer.from(await keyring.mac(message)).toString('base64url') })));
}
const storeTokens = (subject: SubjectIdentifiers) => (baseline ? exactV1Tokens(subject) : computeTokens(keyring, subject, region));
const screenTokens = (subject: SubjectIdentifiers) => (baseline ? exactV1Tokens(subject) : lookupTokens(keyring, subject, region));

const people = population(size, seed);
const alerted = people.slice(0, alertCount);
const others = people.slice(alertCount);
const alertIdOf = (person: Person) => `alt_${person.id}`;

// Publish: every alerted person's tokens into the index, as publication writes them.
const index = new Map<string, IndexedAlert[]>();
let storedTokens = 0;
for (const person of alerted) {
  const tokens = await storeTokens({ fullName: fullName(person), dateOfBirth: person.dateOfBirth, phone: person.phone, email: person.email });
  storedTokens += tokens.length;
  const entry: IndexedAlert = {
    alertId: alertIdOf(person),
    practiceId: `prc_${person.id % 50}`,
    category: 'harassment',
    severity: 'medium',
    publishedOn: now.toISOString().slice(0, 10),
    expiresAt: new Date(now.getTime() + 86_400_000).toISOString(),
    hasDob: true,
  };
  for (const { token } of tokens) index.set(token, [...(index.get(token) ?? []), entry]);
}

interface Outcome {
  own?: 'strong' | 'possible' | undefined;
  otherStrong: number;
  otherPossible: number;
}

async function screen(booking: SubjectIdentifiers, ownAlertId?: string): Promise<Outcome> {
  const tokens = await screenTokens(booking);
  const outcome: Outcome = { otherStrong: 0, otherPossible: 0 };
  for (const { alert, kinds } of matchAlerts(tokens, index, now)) {
    const tier = [...kinds].some((kind: TokenKind) => strongKinds.has(kind)) ? 'strong' : 'possible';
    if (alert.alertId === ownAlertId) outcome.own = tier;
    else if (tier === 'strong') outcome.otherStrong += 1;
    else outcome.otherPossible += 1;
  }
  return outcome;
}

const random = seeded(seed + 1);
const pct = (part: number, whole: number) => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)} %`);

// Positives: each alerted person, booked again under each kind of variation.
const rows: { kind: string; n: number; any: number; strong: number; wrongStrong: number; wrongPossible: number }[] = [];
for (const [kind, variant] of Object.entries(variantKinds)) {
  const row = { kind, n: 0, any: 0, strong: 0, wrongStrong: 0, wrongPossible: 0 };
  for (const person of alerted) {
    const booking = variant(person, random);
    if (!booking) continue;
    const outcome = await screen(booking, alertIdOf(person));
    row.n += 1;
    if (outcome.own) row.any += 1;
    if (outcome.own === 'strong') row.strong += 1;
    row.wrongStrong += outcome.otherStrong;
    row.wrongPossible += outcome.otherPossible;
  }
  rows.push(row);
}

// Negatives: people who are not in the set.
const negativeRows: { kind: string; n: number; falsePossible: number; falseStrong: number }[] = [];
const negativeCases: [string, () => SubjectIdentifiers[]][] = [
  ['stranger (name, date of birth and a phone or e-mail)', () => others.map((p) => negativeKinds.stranger(p))],
  ['stranger (name and date of birth)', () => others.map((p) => negativeKinds.stranger_name_and_dob(p))],
  ["same name as an alerted client, another year's birthday", () => alerted.map((p) => negativeKinds.same_name_other_birthday(p, random))],
  ['phone one digit from an alerted client’s', () => alerted.map((p) => negativeKinds.near_miss_phone(p))],
  ['stranger (name only)', () => others.map((p) => negativeKinds.stranger_name_only(p))],
];
for (const [kind, bookings] of negativeCases) {
  const row = { kind, n: 0, falsePossible: 0, falseStrong: 0 };
  for (const booking of bookings()) {
    const outcome = await screen(booking);
    row.n += 1;
    if (outcome.otherStrong > 0) row.falseStrong += 1;
    else if (outcome.otherPossible > 0) row.falsePossible += 1;
  }
  negativeRows.push(row);
}

const totals = rows.reduce(
  (sum, row) => ({ n: sum.n + row.n, any: sum.any + row.any, strong: sum.strong + row.strong, wrongStrong: sum.wrongStrong + row.wrongStrong }),
  { n: 0, any: 0, strong: 0, wrongStrong: 0 },
);
const withoutNameOnly = negativeRows.filter((row) => !row.kind.includes('name only'));
const negTotals = withoutNameOnly.reduce(
  (sum, row) => ({ n: sum.n + row.n, falsePossible: sum.falsePossible + row.falsePossible, falseStrong: sum.falseStrong + row.falseStrong }),
  { n: 0, falsePossible: 0, falseStrong: 0 },
);
const fullBooking = { fullName: 'Mary Ann Smith', dateOfBirth: '1980-02-01', phone: '+1 860 555 0100', email: 'mary.smith+spa@gmail.com' };

console.log(
  `\nMatching evaluation${baseline ? ' (baseline: exact v1 recipes only)' : ''}: ${size} people, ${alertCount} alerted, seed ${seed}; ${(storedTokens / alertCount).toFixed(1)} tokens stored per alert\n`,
);
console.log('Variants of alerted clients          bookings   any match   strong   wrong person strong / possible');
for (const row of rows)
  console.log(
    `  ${row.kind.padEnd(34)} ${String(row.n).padStart(8)}   ${pct(row.any, row.n).padStart(9)}   ${pct(row.strong, row.n).padStart(6)}   ${row.wrongStrong} / ${row.wrongPossible}`,
  );
console.log(
  `  ${'all variant kinds'.padEnd(34)} ${String(totals.n).padStart(8)}   ${pct(totals.any, totals.n).padStart(9)}   ${pct(totals.strong, totals.n).padStart(6)}   ${totals.wrongStrong}`,
);
console.log('\nPeople not in the set                                         bookings   false possible   false strong');
for (const row of negativeRows)
  console.log(`  ${row.kind.padEnd(58)} ${String(row.n).padStart(8)}   ${pct(row.falsePossible, row.n).padStart(14)}   ${row.falseStrong}`);
console.log(
  `  ${'all but name-only'.padEnd(58)} ${String(negTotals.n).padStart(8)}   ${pct(negTotals.falsePossible, negTotals.n).padStart(14)}   ${negTotals.falseStrong}`,
);
const lookup = subjectMessages(fullBooking, region, 'lookup');
console.log(
  `\nA booking with name, date of birth, phone and e-mail: ${keyedMacCount(lookup)} network-key MACs (KMS GenerateMac in AWS), ${(await lookupTokens(keyring, fullBooking, region)).length} tokens looked up`,
);
console.log('\nGoals (reported, not asserted):');
console.log(`  any-match recall over the variant kinds ≥ 97 %: ${pct(totals.any, totals.n)} ${totals.any / totals.n >= 0.97 ? 'met' : 'NOT met'}`);
console.log(
  `  strong precision 100 % (no strong match for a different person): ${totals.wrongStrong + negTotals.falseStrong === 0 ? 'met' : `NOT met (${totals.wrongStrong + negTotals.falseStrong})`}`,
);
console.log(
  `  false possible on negatives ≤ 0.5 %: ${pct(negTotals.falsePossible, negTotals.n)} ${negTotals.falsePossible / negTotals.n <= 0.005 ? 'met' : 'NOT met'}`,
);

mkdirSync(outDir, { recursive: true });
const file = join(outDir, `matching${baseline ? '-baseline' : ''}-${now.toISOString().slice(0, 16).replace(/[:T]/g, '')}.json`);
writeFileSync(
  file,
  JSON.stringify(
    {
      baseline,
      size,
      alertCount,
      seed,
      tokensPerAlert: storedTokens / alertCount,
      variants: rows,
      negatives: negativeRows,
      keyedMacsPerFullBooking: keyedMacCount(lookup),
    },
    null,
    2,
  ),
);
console.log(`\nwritten to ${file}`);
