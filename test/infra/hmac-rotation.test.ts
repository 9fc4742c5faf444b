import { describe, expect, it } from 'vitest';
import { configSchema } from '#shared/config.ts';
import { functionNames, type FunctionName } from '#infra/grants.ts';
import { keyAdministrationActions } from '#infra/key-policies.ts';
import {
  asArray,
  isAccountRoot,
  nagFindings,
  placeholderArnPrefix,
  refId,
  resolvedEnvironment,
  stageSettings,
  synth,
  type Json,
  type Statement,
  type TemplatesView,
} from './support.ts';

/**
 * HMAC (token) key rotation: `hmacKeyVersions` in the stage settings lists the token keys, oldest
 * first. The last one makes new tokens; the others are kept so that alerts tokenised with them
 * keep matching until they expire.
 */

/** The deployed k1 key's logical ids and export: changing any of them would replace a live key. */
const k1 = {
  keyId: 'HmacKey14D2AB00',
  aliasId: 'HmacKeyAliasFACD8F2E',
  export: 'Peerguard-dev-data:ExportsOutputFnGetAttHmacKey14D2AB00ArnB0746757',
};
/** Who computes tokens, written out here independently of infra/grants.ts. */
const tokenMakers: FunctionName[] = ['alerts', 'audit', 'checks', 'integrations', 'bookings'];

const one = synth(); // cdk.json: ['k1']
const two = synth(stageSettings('dev', { hmacKeyVersions: ['k1', 'k2'] }));
const three = synth(stageSettings('dev', { hmacKeyVersions: ['k1', 'k2', 'k3'] }), { nag: false });
const retired = synth(stageSettings('dev', { hmacKeyVersions: ['k2'] }), { nag: false });

const hmacKeys = (view: TemplatesView) =>
  view
    .ofType('data', 'AWS::KMS::Key')
    .filter(([, k]) => k.Properties.KeySpec === 'HMAC_256')
    .map(([id, k]) => ({ id, friendly: view.friendly.get(id)!, key: k }));
const aliasOf = (view: TemplatesView, keyId: string) => view.ofType('data', 'AWS::KMS::Alias').filter(([, a]) => refId(a.Properties.TargetKeyId) === keyId);
const env = (view: TemplatesView, fn: FunctionName): Record<string, Json> => view.fn(fn).props.Environment.Variables;
const rolesIn = (view: TemplatesView, statement: Statement): string[] =>
  asArray<Json>(statement.Condition?.ArnEquals?.['aws:PrincipalArn'])
    .map((arn) => view.describe(arn))
    .sort();
const roles = (...fns: FunctionName[]) => fns.map((fn) => `${fn}Role`).sort();
/** The export names the app stack imports. */
const imports = (view: TemplatesView): Set<string> => {
  const found = new Set<string>();
  const walk = (value: Json): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      if (typeof value['Fn::ImportValue'] === 'string') found.add(value['Fn::ImportValue']);
      Object.values(value).forEach(walk);
    }
  };
  walk(view.app);
  return found;
};
const exports = (view: TemplatesView): Set<string> =>
  new Set(Object.values<Json>(view.data.Outputs ?? {}).flatMap((o) => (o.Export?.Name ? [o.Export.Name as string] : [])));

function expectTokenKeyPolicy(view: TemplatesView, friendly: string): void {
  const [admin, use, ...rest] = view.keyStatements(friendly);
  expect(rest, friendly).toEqual([]);
  expect(admin!.Sid).toBe('AccountRootAdministersOnly');
  expect(asArray(admin!.Action).sort()).toEqual([...keyAdministrationActions].sort());
  expect(use!.Effect).toBe('Allow');
  expect(asArray(use!.Action), friendly).toEqual(['kms:GenerateMac']);
  expect(isAccountRoot(use!.Principal, view)).toBe(true);
  expect(use!.Condition!.StringEquals, friendly).toEqual({ 'kms:MacAlgorithm': 'HMAC_SHA_256' });
  expect(rolesIn(view, use!), friendly).toEqual(roles(...tokenMakers));
}

describe('one token key (cdk.json: hmacKeyVersions ["k1"])', () => {
  const { view } = one;

  it('is the HMAC_256 key the stage always had: same logical ids, alias, description and export', () => {
    const keys = hmacKeys(view);
    expect(keys.map((k) => [k.id, k.friendly])).toEqual([[k1.keyId, 'HmacKey']]);
    const key = keys[0]!.key;
    expect(key.Properties).toMatchObject({
      KeySpec: 'HMAC_256',
      KeyUsage: 'GENERATE_VERIFY_MAC',
      Description: 'Peerguard dev: HMAC for identifier tokens',
      PendingWindowInDays: 30,
    });
    expect([key.DeletionPolicy, key.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    expect(aliasOf(view, k1.keyId).map(([id, a]) => [id, a.Properties.AliasName])).toEqual([[k1.aliasId, 'alias/peerguard-dev-hmac']]);
    expect(env(view, 'checks').HMAC_KEY_ID).toEqual({ 'Fn::ImportValue': k1.export });
    expectTokenKeyPolicy(view, 'HmacKey');
  });

  it.each(functionNames)('%s makes k1 tokens and has no replaced keys (no migration window)', (fn) => {
    const variables = env(view, fn);
    expect(view.describe(variables.HMAC_KEY_ID)).toBe('HmacKey');
    expect(variables.HMAC_KEY_VERSION).toBe('k1');
    expect(variables).not.toHaveProperty('HMAC_PREVIOUS_KEYS');
  });

  it('outputs the key ARN by version, for the operator who later retires it', () => {
    expect(view.describe(view.data.Outputs.HmacKeyK1Arn.Value)).toBe('HmacKey');
  });
});

describe('a rotation in progress (hmacKeyVersions ["k1", "k2"])', () => {
  const { view } = two;

  it('keeps k1 exactly where it was and adds k2 with its own alias, both retained', () => {
    const keys = hmacKeys(view);
    expect(keys.map((k) => k.friendly).sort()).toEqual(['HmacKey', 'HmacKeyK2']);
    expect(keys.find((k) => k.friendly === 'HmacKey')!.id).toBe(k1.keyId);
    expect(aliasOf(view, k1.keyId).map(([id, a]) => [id, a.Properties.AliasName])).toEqual([[k1.aliasId, 'alias/peerguard-dev-hmac']]);
    const k2 = keys.find((k) => k.friendly === 'HmacKeyK2')!;
    expect(k2.id).toMatch(/^HmacKeyK2[0-9A-F]{8}$/);
    expect(aliasOf(view, k2.id).map(([, a]) => a.Properties.AliasName)).toEqual(['alias/peerguard-dev-hmac-k2']);
    for (const { friendly, key } of keys) {
      expect(key.Properties, friendly).toMatchObject({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', PendingWindowInDays: 30 });
      expect([key.DeletionPolicy, key.UpdateReplacePolicy], friendly).toEqual(['Retain', 'Retain']);
    }
    expect(k2.key.Properties.Description).toBe('Peerguard dev: HMAC for identifier tokens (k2)');
    // Nothing else in the data stack changed: the same resources plus k2 and its alias.
    expect(Object.keys(view.dataResources).sort()).toEqual([...Object.keys(one.view.dataResources), k2.id, aliasOf(view, k2.id)[0]![0]].sort());
  });

  it('each token key allows only GenerateMac with HMAC_SHA_256, to the functions that compute tokens', () => {
    expectTokenKeyPolicy(view, 'HmacKey');
    expectTokenKeyPolicy(view, 'HmacKeyK2');
  });

  it.each(functionNames)('%s makes k2 tokens and looks up k1 tokens too', (fn) => {
    const variables = env(view, fn);
    expect(view.describe(variables.HMAC_KEY_ID)).toBe('HmacKeyK2');
    expect(variables.HMAC_KEY_VERSION).toBe('k2');
    expect(view.describe(variables.HMAC_PREVIOUS_KEYS)).toBe('k1=HmacKey');
    // As the function reads it, once CloudFormation has filled in the ARNs.
    const parsed = configSchema.safeParse(resolvedEnvironment(view, variables));
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(parsed.data).toMatchObject({
      HMAC_KEY_ID: `${placeholderArnPrefix}HmacKeyK2`,
      HMAC_KEY_VERSION: 'k2',
      HMAC_PREVIOUS_KEYS: [{ version: 'k1', keyId: `${placeholderArnPrefix}HmacKey` }],
    });
  });

  it('GenerateMac is granted on both keys to exactly the functions that had it, and nothing else changed', () => {
    for (const fn of functionNames) {
      const before = one.view.permissionsOf(fn);
      const after = view.permissionsOf(fn);
      const added = tokenMakers.includes(fn) ? ['kms:GenerateMac HmacKeyK2'] : [];
      expect(after, fn).toEqual([...before, ...added].sort());
      expect(after.includes('kms:GenerateMac HmacKey'), fn).toBe(tokenMakers.includes(fn));
    }
  });

  it('key policies and IAM policies agree on who computes tokens with which key', () => {
    for (const friendly of ['HmacKey', 'HmacKeyK2']) {
      const [, use] = view.keyStatements(friendly);
      const granted = functionNames.filter((fn) => view.permissionsOf(fn).includes(`kms:GenerateMac ${friendly}`));
      expect(rolesIn(view, use!), friendly).toEqual(roles(...granted));
    }
  });

  it('passes cdk-nag with no new finding or acknowledgment', () => {
    expect(nagFindings(two.app)).toEqual([]);
  });

  it('outputs both key ARNs by version', () => {
    expect(view.describe(view.data.Outputs.HmacKeyK1Arn.Value)).toBe('HmacKey');
    expect(view.describe(view.data.Outputs.HmacKeyK2Arn.Value)).toBe('HmacKeyK2');
  });
});

describe('two rotations (hmacKeyVersions ["k1", "k2", "k3"])', () => {
  it('passes the replaced keys newest first', () => {
    const variables = env(three.view, 'checks');
    expect(three.view.describe(variables.HMAC_KEY_ID)).toBe('HmacKeyK3');
    expect(variables.HMAC_KEY_VERSION).toBe('k3');
    expect(three.view.describe(variables.HMAC_PREVIOUS_KEYS)).toBe('k2=HmacKeyK2,k1=HmacKey');
    const parsed = configSchema.parse(resolvedEnvironment(three.view, variables));
    expect(parsed).toMatchObject({ HMAC_PREVIOUS_KEYS: [{ version: 'k2' }, { version: 'k1' }] });
    expect(three.view.permissionsOf('checks').filter((p) => p.startsWith('kms:GenerateMac'))).toEqual([
      'kms:GenerateMac HmacKey',
      'kms:GenerateMac HmacKeyK2',
      'kms:GenerateMac HmacKeyK3',
    ]);
  });
});

describe('retiring k1 (hmacKeyVersions ["k1", "k2"] → ["k2"])', () => {
  const { view } = retired;

  it('k2 keeps the logical id and alias it had during the window; no replaced keys remain', () => {
    const k2Before = hmacKeys(two.view).find((k) => k.friendly === 'HmacKeyK2')!.id;
    expect(hmacKeys(view).map((k) => [k.id, k.friendly])).toEqual([[k2Before, 'HmacKeyK2']]);
    const variables = env(view, 'checks');
    expect(view.describe(variables.HMAC_KEY_ID)).toBe('HmacKeyK2');
    expect(variables.HMAC_KEY_VERSION).toBe('k2');
    expect(variables).not.toHaveProperty('HMAC_PREVIOUS_KEYS');
    expect(functionNames.flatMap((fn) => view.permissionsOf(fn).filter((p) => p.includes('HmacKey ')))).toEqual([]);
  });

  it('the app stack can be deployed first: it imports only exports the data stack of the window already has', () => {
    // docs/runbook.md: `cdk deploy Peerguard-<stage> --exclusively` before the data stack, which
    // otherwise could not drop k1's export while the running app stack still imports it.
    const needed = imports(view);
    const available = exports(two.view);
    expect([...needed].filter((name) => !available.has(name))).toEqual([]);
    expect(imports(two.view).has(k1.export)).toBe(true);
    expect(needed.has(k1.export)).toBe(false);
  });
});
