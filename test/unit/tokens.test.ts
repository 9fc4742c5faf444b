import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildLocalKeyring } from '#shared/adapters/local/local-keyring.ts';
import { subjectMessages, type SubjectIdentifiers } from '#shared/identifiers/recipes.ts';
import { computeTokens, keyedMacCount, lookupTokens } from '#shared/identifiers/tokens.ts';

const key = randomBytes(32);
const keyring = buildLocalKeyring(key);
const tokensOf = (subject: SubjectIdentifiers) => computeTokens(keyring, subject, 'US');
const mac = (secret: Uint8Array, message: string) => createHmac('sha256', secret).update(message, 'utf8').digest();

const subject = { fullName: 'José Ålvarez', dateOfBirth: '1980-02-29', phone: '(860) 555-0100', email: ' Jose@Example.COM ' };

describe('subjectMessages', () => {
  it('keys phone, e-mail, name with date of birth and name directly, and anchors the tolerant families', () => {
    const { direct, anchored } = subjectMessages(subject, 'US', 'store');
    expect(direct).toEqual([
      { kind: 'phone', message: 'v1|phone|+18605550100' },
      { kind: 'email', message: 'v1|email|jose@example.com' },
      { kind: 'name', message: 'v2|name|alvarez jose' },
      { kind: 'name_dob', message: 'v2|name_dob|alvarez jose|1980-02-29' },
    ]);
    expect(anchored.map(({ anchor }) => anchor)).toEqual(['v2|anchor|dob|1980-02-29', 'v2|anchor|name|alvarez jose']);
    const variants = anchored.flatMap(({ variants }) => variants.map(({ message }) => message));
    expect(variants).toContain('pair|alvarez|jose');
    expect(variants).toContain('edit|alvarez|joe'); // one letter left out of the given name
    expect(variants).toContain('dob|19800229');
    expect(variants).toContain('dobdel|7|1980022');
  });

  it('adds on lookup the swapped day and month and the recipes alerts were tokenised with before (v1)', () => {
    const lookup = subjectMessages({ fullName: 'Ann Lee', dateOfBirth: '1990-03-04', email: 'ann.lee+spa@gmail.com' }, 'US', 'lookup');
    expect(lookup.direct).toEqual([
      { kind: 'email', message: 'v1|email|annlee@gmail.com' },
      { kind: 'email', message: 'v1|email|ann.lee+spa@gmail.com' },
      { kind: 'name', message: 'v2|name|ann lee' },
      { kind: 'name_dob', message: 'v2|name_dob|ann lee|1990-03-04' },
      { kind: 'name_dob', message: 'v1|name_dob|ann lee|1990-03-04' },
      { kind: 'name', message: 'v1|name|ann lee' },
    ]);
    expect(lookup.anchored[1]!.variants.map(({ message }) => message)).toContain('dob|19900403');
  });

  it('never looks up a v1 name token for a name whose marks matter (the old folding dropped them)', () => {
    const { direct } = subjectMessages({ fullName: 'राहुल शर्मा' }, 'US', 'lookup');
    expect(direct.map(({ message }) => message)).toEqual(['v2|name|राहुल शर्मा']);
  });

  it('gives nothing for a date of birth alone, a blank email, an invalid phone or an empty name', () => {
    expect(subjectMessages({ dateOfBirth: '1990-01-02', email: '  ', phone: '123', fullName: '--' }, 'US', 'lookup')).toEqual({ direct: [], anchored: [] });
  });

  it('reads national phone numbers in the region given', () => {
    expect(subjectMessages({ phone: '020 7946 0018' }, 'GB', 'store').direct).toEqual([{ kind: 'phone', message: 'v1|phone|+442079460018' }]);
    expect(subjectMessages({ phone: '020 7946 0018' }, 'US', 'store').direct).toEqual([]);
  });

  it('costs one network-key MAC per direct recipe and per anchor, however many variants', () => {
    const messages = subjectMessages(subject, 'US', 'lookup');
    expect(keyedMacCount(messages)).toBe(messages.direct.length + 2);
    expect(messages.anchored.flatMap(({ variants }) => variants).length).toBeGreaterThan(20);
  });
});

describe('computeTokens', () => {
  it('is base64url HMAC-SHA-256 under the key for direct recipes, and under the anchor’s MAC for variants', async () => {
    const tokens = await tokensOf(subject);
    const { direct, anchored } = subjectMessages(subject, 'US', 'store');
    for (const { kind, message } of direct) expect(tokens).toContainEqual({ kind, token: mac(key, message).toString('base64url'), keyVersion: 'k1' });
    const anchorKey = mac(key, anchored[0]!.anchor);
    const variant = anchored[0]!.variants[0]!;
    expect(tokens).toContainEqual({ kind: variant.kind, token: mac(anchorKey, variant.message).toString('base64url'), keyVersion: 'k1' });
    for (const { token } of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(tokens.map(({ token }) => token)).size).toBe(tokens.length);
  });

  it('gives the same tokens for the same person typed differently', async () => {
    const typedElsewhere = { fullName: '  ALVAREZ, jose ', dateOfBirth: '1980-02-29', phone: '+1 860 555 0100', email: 'jose@example.com' };
    expect(await tokensOf(typedElsewhere)).toEqual(await tokensOf(subject));
    expect(await tokensOf({ phone: '860.555.0100' })).toEqual(await tokensOf({ phone: '(860) 555-0100' }));
  });

  it('gives different tokens for different values, and the key matters', async () => {
    const [a] = await tokensOf({ phone: '(860) 555-0100' });
    const [b] = await tokensOf({ phone: '(860) 555-0101' });
    expect(a!.token).not.toBe(b!.token);
    const other = await computeTokens(buildLocalKeyring(randomBytes(32)), { phone: '(860) 555-0100' }, 'US');
    expect(other[0]!.token).not.toBe(a!.token);
  });

  it('separates recipes: the same text as a name and as an email gives different tokens', async () => {
    const tokens = await tokensOf({ fullName: 'ann', email: 'ann' });
    expect(tokens.map((t) => t.kind)).toEqual(['email', 'name']);
    expect(tokens[0]!.token).not.toBe(tokens[1]!.token);
  });

  it('a lookup finds every token stored for the same subject', async () => {
    const stored = new Set((await tokensOf(subject)).map(({ token }) => token));
    const looked = new Set((await lookupTokens(keyring, subject, 'US')).map(({ token }) => token));
    for (const token of stored) expect(looked.has(token)).toBe(true);
  });
});
