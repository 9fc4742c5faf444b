import { describe, expect, it } from 'vitest';
import type { AuthorizerResult } from '#functions/authorizer.ts';
import { cachedAuthorizer } from '../../infra/local/authorizer-cache.ts';

/** An authorizer that knows two valid keys and counts how often it is asked. */
function countingAuthorizer() {
  const asked: string[] = [];
  const valid = new Map([
    ['Bearer pg.key_a.secret', 'key_a'],
    ['Bearer pg.key_b.secret', 'key_b'],
  ]);
  const authorizer = async (event: { identitySource: string[] }): Promise<AuthorizerResult> => {
    const header = event.identitySource[0]!;
    asked.push(header);
    const keyId = valid.get(header) ?? (header.startsWith('Bearer pg.key_n') ? header.slice(10) : undefined);
    return keyId
      ? { isAuthorized: true, context: { authenticated: 'true', keyId, role: 'practice', practiceId: 'prc_1' } }
      : { isAuthorized: true, context: { authenticated: 'false' } };
  };
  return { asked, authorizer, valid };
}

const event = (header: string) => ({ headers: { authorization: header }, identitySource: [header] });

describe('the local server’s authorizer cache (what API Gateway’s resultsCacheTtl does in AWS)', () => {
  it('remembers a valid key’s answer for the TTL, then asks again', async () => {
    let now = 1_000_000;
    const { asked, authorizer } = countingAuthorizer();
    const cache = cachedAuthorizer(authorizer, 60, () => now);
    const first = await cache.authorize(event('Bearer pg.key_a.secret'));
    const second = await cache.authorize(event('Bearer pg.key_a.secret'));
    expect(second).toEqual(first);
    expect(asked).toHaveLength(1);
    now += 59_999;
    await cache.authorize(event('Bearer pg.key_a.secret'));
    expect(asked).toHaveLength(1);
    now += 1;
    await cache.authorize(event('Bearer pg.key_a.secret'));
    expect(asked).toHaveLength(2);
  });

  it('never remembers a refusal, so a stranger’s guesses neither fill it nor stick', async () => {
    const { asked, authorizer } = countingAuthorizer();
    const cache = cachedAuthorizer(authorizer, 60);
    for (let i = 0; i < 3; i += 1) expect((await cache.authorize(event('Bearer pg.key_x.wrong'))).context.authenticated).toBe('false');
    expect(asked).toHaveLength(3);
  });

  it('forgets a revoked key at once and keeps the others', async () => {
    const { asked, authorizer, valid } = countingAuthorizer();
    const cache = cachedAuthorizer(authorizer, 60);
    await cache.authorize(event('Bearer pg.key_a.secret'));
    await cache.authorize(event('Bearer pg.key_b.secret'));
    valid.delete('Bearer pg.key_a.secret');
    cache.forgetKey('key_a');
    expect((await cache.authorize(event('Bearer pg.key_a.secret'))).context.authenticated).toBe('false');
    expect((await cache.authorize(event('Bearer pg.key_b.secret'))).context.authenticated).toBe('true');
    expect(asked).toEqual(['Bearer pg.key_a.secret', 'Bearer pg.key_b.secret', 'Bearer pg.key_a.secret']);
  });

  it('asks every time when the TTL is 0', async () => {
    const { asked, authorizer } = countingAuthorizer();
    const cache = cachedAuthorizer(authorizer, 0);
    await cache.authorize(event('Bearer pg.key_a.secret'));
    await cache.authorize(event('Bearer pg.key_a.secret'));
    expect(asked).toHaveLength(2);
  });

  it('holds at most 10,000 keys, dropping the oldest first', async () => {
    const { asked, authorizer } = countingAuthorizer();
    const cache = cachedAuthorizer(authorizer, 60);
    for (let i = 0; i <= 10_000; i += 1) await cache.authorize(event(`Bearer pg.key_n${i}`));
    expect(asked).toHaveLength(10_001);
    await cache.authorize(event('Bearer pg.key_n10000'));
    expect(asked).toHaveLength(10_001);
    await cache.authorize(event('Bearer pg.key_n0'));
    expect(asked).toHaveLength(10_002);
  });
});
