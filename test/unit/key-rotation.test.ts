import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildLocalKeyring } from '#shared/adapters/local/local-keyring.ts';
import { checkBooking } from '#shared/domain/checks.ts';
import { indexEntry } from '#shared/domain/publication.ts';
import { loadConfig } from '#shared/config.ts';
import { subjectTokens } from '#shared/domain/audit.ts';
import type { Keyring } from '#shared/ports.ts';
import { keyedMacCount } from '#shared/identifiers/tokens.ts';
import { subjectMessages } from '#shared/identifiers/recipes.ts';
import { checkRequest, publishedAlert, testNetwork } from '../fakes/fixtures.ts';

/** A keyring that counts the MACs it computes (each would be one KMS GenerateMac request). */
function counting(keyring: Keyring, counter: { macs: number }): Keyring {
  return {
    version: keyring.version,
    previous: keyring.previous?.map((older) => counting(older, counter)),
    mac: (message) => {
      counter.macs += 1;
      return keyring.mac(message);
    },
  };
}

const fullCheck = { phone: '(860) 555-0199', email: 'zeb.quixley@example.org', fullName: 'Zebulon Quixley-Marchetti', dateOfBirth: '1979-03-14' };

describe('HMAC key rotation without raw identifiers', () => {
  it('alerts published before a rotation still match after it, and new alerts use the new key', async () => {
    const k1 = buildLocalKeyring(randomBytes(32), 'k1');
    const net = await testNetwork({ keyring: k1 });
    const before = await publishedAlert(net);
    expect((await net.deps.alerts.get(before))!.tokens.every((token) => token.keyVersion === 'k1')).toBe(true);

    // Rotate: k2 makes new tokens; k1 stays for lookups during the migration window.
    const counter = { macs: 0 };
    const deps = { ...net.deps, keyring: counting(buildLocalKeyring(randomBytes(32), 'k2', [k1]), counter) };
    const rotatedNet = { ...net, deps };
    const old = await checkBooking(deps, net.practiceB, checkRequest(fullCheck));
    expect(old).toMatchObject({ result: 'match', confidence: 'strong' });
    expect(old.result === 'match' && old.matchedOn).toEqual([
      'phone',
      'email',
      'name_dob',
      'pair_dob',
      'nickname_dob',
      'phonetic_dob',
      'edit_dob',
      'dob_variant',
      'name',
    ]);
    // Every keyed recipe and anchor (8 here) under both key versions during the window.
    expect(keyedMacCount(subjectMessages(fullCheck, 'US', 'lookup'))).toBe(8);
    expect(counter.macs).toBe(16);

    const after = await publishedAlert(rotatedNet, { subject: { phone: '+1 203 555 0188', email: 'other@example.org' } });
    expect((await deps.alerts.get(after))!.tokens.every((token) => token.keyVersion === 'k2')).toBe(true);
    expect(await checkBooking(deps, net.practiceB, checkRequest({ phone: '203-555-0188' }))).toMatchObject({ result: 'match' });
    expect((await checkBooking(deps, net.practiceB, checkRequest({ phone: '(860) 555-0199' }))).result).toBe('match');

    // Closing the window early would orphan the old alert — why k1 is kept until its alerts expire.
    const closed = { ...deps, keyring: buildLocalKeyring(randomBytes(32), 'k2') };
    expect((await checkBooking(closed, net.practiceB, checkRequest({ phone: '(860) 555-0199' }))).result).toBe('no_match');
  });

  it('alerts tokenised before tolerant matching (v1 recipes) still match: checks also look up the v1 messages', async () => {
    const net = await testNetwork();
    const alertId = await publishedAlert(net);
    const stored = (await net.deps.alerts.get(alertId))!;
    // Re-index the alert under the tokens the v1 recipes made (no identifier is needed: only what was stored then).
    const v1 = await Promise.all(
      ['v1|name_dob|zebulon quixley marchetti|1979-03-14', 'v1|name|zebulon quixley marchetti'].map(async (message, i) => ({
        kind: i === 0 ? ('name_dob' as const) : ('name' as const),
        token: Buffer.from(await net.deps.keyring.mac(message)).toString('base64url'),
      })),
    );
    const legacy = { ...stored, tokens: v1 };
    net.deps.memory.tokenIndex.apply(stored, { unpublish: true });
    net.deps.memory.tokenIndex.apply(legacy, { publish: { ...indexEntry(legacy), hasDob: undefined } });
    const result = await checkBooking(net.deps, net.practiceB, checkRequest({ fullName: 'Zebulon Quixley-Marchetti', dateOfBirth: '1979-03-14' }));
    expect(result).toMatchObject({ result: 'match', confidence: 'strong', matchedOn: ['name_dob', 'name'] });
  });

  it('gives counsel the tokens under every key a check uses, so checks from before the rotation are found', async () => {
    const k1 = buildLocalKeyring(randomBytes(32), 'k1');
    const net = await testNetwork({ keyring: k1 });
    const [before] = (await subjectTokens(net.deps, net.auditor, { phone: '(860) 555-0199' })).tokens;
    const rotated = { ...net.deps, keyring: buildLocalKeyring(randomBytes(32), 'k2', [k1]) };
    const { tokens } = await subjectTokens(rotated, net.auditor, { phone: '(860) 555-0199' });
    expect(tokens.map((token) => token.keyVersion)).toEqual(['k2', 'k1']);
    expect(tokens[1]).toEqual(before);
  });

  it('reads the rotation settings from the environment', () => {
    const aws = {
      PEERGUARD_RUNTIME: 'aws',
      HMAC_KEY_ID: 'arn:new',
      SIGNING_KEY_ID: 's',
      DATA_KEY_ID: 'arn:d',
      REVIEWERS_TOPIC_ARN: 'r',
      PRACTICES_TOPIC_ARN: 'p',
      SECURITY_TOPIC_ARN: 's',
    };
    const config = loadConfig({ ...aws, HMAC_KEY_VERSION: 'k3', HMAC_PREVIOUS_KEYS: 'k2=arn:aws:kms:eu-west-2:1:key/b,k1=arn:aws:kms:eu-west-2:1:key/a' });
    expect(config).toMatchObject({
      HMAC_KEY_VERSION: 'k3',
      HMAC_PREVIOUS_KEYS: [
        { version: 'k2', keyId: 'arn:aws:kms:eu-west-2:1:key/b' },
        { version: 'k1', keyId: 'arn:aws:kms:eu-west-2:1:key/a' },
      ],
    });
    expect(loadConfig(aws)).toMatchObject({ HMAC_KEY_VERSION: 'k1', HMAC_PREVIOUS_KEYS: [] });
    expect(() => loadConfig({ ...aws, HMAC_PREVIOUS_KEYS: 'arn-without-version' })).toThrow(/HMAC_PREVIOUS_KEYS/);
  });
});
