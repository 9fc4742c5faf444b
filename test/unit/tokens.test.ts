import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildLocalKeyring } from '#shared/adapters/local/local-keyring.ts';
import { computeTokens, tokenMessages, type SubjectIdentifiers } from '#shared/identifiers/tokens.ts';

const key = randomBytes(32);
const keyring = buildLocalKeyring(key);
const tokensOf = (subject: SubjectIdentifiers) => computeTokens(keyring, subject, 'US');

const subject = { fullName: 'José Ålvarez', dateOfBirth: '1980-02-29', phone: '(860) 555-0100', email: ' Jose@Example.COM ' };

describe('tokenMessages', () => {
  it('makes one normalised message per kind, strongest first', () => {
    expect(tokenMessages(subject, 'US')).toEqual([
      { kind: 'phone', message: 'v1|phone|+18605550100' },
      { kind: 'email', message: 'v1|email|jose@example.com' },
      { kind: 'name_dob', message: 'v1|name_dob|jose alvarez|1980-02-29' },
      { kind: 'name', message: 'v1|name|jose alvarez' },
    ]);
  });

  it('gives only a name message for a name alone', () => {
    expect(tokenMessages({ fullName: 'Mary-Jane O’Brien' }, 'US')).toEqual([{ kind: 'name', message: 'v1|name|mary jane obrien' }]);
  });

  it('gives name_dob and name for a name with a date of birth', () => {
    expect(tokenMessages({ fullName: 'Ann Lee', dateOfBirth: '1990-01-02' }, 'US').map((m) => m.kind)).toEqual(['name_dob', 'name']);
  });

  it('gives nothing for a date of birth alone, a blank email, an invalid phone or an empty name', () => {
    expect(tokenMessages({ dateOfBirth: '1990-01-02', email: '  ', phone: '123', fullName: '--' }, 'US')).toEqual([]);
  });

  it('reads national phone numbers in the region given', () => {
    expect(tokenMessages({ phone: '020 7946 0018' }, 'GB')).toEqual([{ kind: 'phone', message: 'v1|phone|+442079460018' }]);
    expect(tokenMessages({ phone: '020 7946 0018' }, 'US')).toEqual([]);
  });
});

describe('computeTokens', () => {
  it('is base64url HMAC-SHA-256 of each message under the keyring key, labelled with the key version', async () => {
    const tokens = await tokensOf(subject);
    const expected = tokenMessages(subject, 'US').map(({ kind, message }) => ({
      kind,
      token: createHmac('sha256', key).update(message, 'utf8').digest('base64url'),
      keyVersion: 'k1',
    }));
    expect(tokens).toEqual(expected);
    for (const { token } of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('gives the same tokens for the same person typed differently', async () => {
    const typedElsewhere = { fullName: '  JOSE alvarez ', dateOfBirth: '1980-02-29', phone: '+1 860 555 0100', email: 'jose@example.com' };
    expect(await tokensOf(typedElsewhere)).toEqual(await tokensOf(subject));
    expect(await tokensOf({ phone: '860.555.0100' })).toEqual(await tokensOf({ phone: '(860) 555-0100' }));
  });

  it('gives different tokens for different values', async () => {
    const [a] = await tokensOf({ phone: '(860) 555-0100' });
    const [b] = await tokensOf({ phone: '(860) 555-0101' });
    expect(a!.token).not.toBe(b!.token);
    const [olderDob] = await tokensOf({ fullName: 'Ann Lee', dateOfBirth: '1990-01-02' });
    const [youngerDob] = await tokensOf({ fullName: 'Ann Lee', dateOfBirth: '1990-01-03' });
    expect(olderDob!.token).not.toBe(youngerDob!.token);
  });

  it('separates kinds: the same text as a name and as an email gives different tokens', async () => {
    const tokens = await tokensOf({ fullName: 'ann', email: 'ann' });
    expect(tokens.map((t) => t.kind)).toEqual(['email', 'name']);
    expect(tokens[0]!.token).not.toBe(tokens[1]!.token);
  });

  it('depends on the key', async () => {
    const other = await computeTokens(buildLocalKeyring(randomBytes(32)), { phone: '(860) 555-0100' }, 'US');
    expect(other).not.toEqual(await tokensOf({ phone: '(860) 555-0100' }));
  });
});
