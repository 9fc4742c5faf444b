import { describe, expect, it } from 'vitest';
import { configSchema } from '#shared/config.ts';
import { parseStageConfig, stageConfigSchema, stagesContextKey, type StageConfig } from '#infra/stage-config.ts';
import { cdkContext } from './support.ts';

const stages = cdkContext[stagesContextKey] as Record<string, unknown>;
const dev = stages.dev as StageConfig;

/** dev's settings with one value replaced at `path`. */
function withValue(path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(dev) as Record<string, any>;
  const keys = path.split('.');
  let target = copy;
  for (const key of keys.slice(0, -1)) target = target[key];
  if (value === undefined) delete target[keys.at(-1)!];
  else target[keys.at(-1)!] = value;
  return copy;
}

describe('stage settings schema', () => {
  it.each(Object.keys(stages))('accepts cdk.json stage %s', (stage) => {
    expect(() => parseStageConfig(stage, stages)).not.toThrow();
  });

  it('prod keeps logs and seals longer than dev', () => {
    const prod = parseStageConfig('prod', stages);
    expect(prod.sealRetentionDays).toBe(2557);
    expect(prod.logRetentionDays).toBeGreaterThan(dev.logRetentionDays);
    expect(prod.alarms.lambdaErrors).toBeLessThanOrEqual(dev.alarms.lambdaErrors);
  });

  it.each([
    ['logRetentionDays', 31, /logRetentionDays: must be one of the CloudWatch Logs retention periods/],
    ['logRetentionDays', -1, /logRetentionDays/],
    ['accessLogRetentionDays', '30', /accessLogRetentionDays/],
    ['sealRetentionDays', 0, /sealRetentionDays/],
    ['sealRetentionDays', 1.5, /sealRetentionDays/],
    ['sealRetentionDays', 36_501, /sealRetentionDays/],
    ['logLevel', 'TRACE', /logLevel/],
    ['phoneDefaultRegion', 'usa', /phoneDefaultRegion: a two-letter ISO 3166 region code/],
    ['alertTtlDays', 0, /alertTtlDays/],
    ['api.rateLimit', 0, /api\.rateLimit/],
    ['api.burstLimit', 5001, /api\.burstLimit/],
    ['api.extra', 1, /api: Unrecognized key/],
    ['quotas.checksPerMinute', 0, /quotas\.checksPerMinute/],
    ['quotas.checksPerDay', 10, /quotas\.checksPerDay: must be at least checksPerMinute/],
    ['alarms.api5xxPercent', 0, /alarms\.api5xxPercent/],
    ['alarms.api5xxPercent', 101, /alarms\.api5xxPercent/],
    ['alarms.kmsQuotaPercent', undefined, /alarms\.kmsQuotaPercent/],
    ['alarms.deadLetterMessages', 0.5, /alarms\.deadLetterMessages/],
    ['alarms.authDenials', -5, /alarms\.authDenials/],
    ['account', '12345', /account: a 12-digit AWS account id/],
    ['region', 'Europe', /region: an AWS region/],
    ['reservedConcurrency.default', 0, /reservedConcurrency\.default/],
    ['reservedConcurrency.functions', { checks: 1001 }, /reservedConcurrency\.functions\.checks/],
    ['reservedConcurrency.functions', { chekcs: 5 }, /reservedConcurrency\.functions/],
    ['edge.apiRequestsPerKeyPerMinute', 9, /edge\.apiRequestsPerKeyPerMinute/],
    ['edge.apiRequestsPerIpPer5Minutes', 100_000, /edge\.apiRequestsPerIpPer5Minutes: must be at most requestsPerIpPer5Minutes/],
    ['edge.allowedCountries', ['usa'], /edge\.allowedCountries\.0: a two-letter ISO 3166 country code/],
    ['edge.domainName', 'console.example.org', /edge: set domainName and certificateArn together/],
    ['edge.certificateArn', 'arn:aws:acm:eu-west-1:111122223333:certificate/0a1b', /edge\.certificateArn: an ACM certificate ARN in us-east-1/],
    ['edge', undefined, /dev\.edge/],
    ['subscriptions', { reviewerEmails: ['not-an-address'] }, /subscriptions\.reviewerEmails\.0/],
    [
      'subscriptions',
      { practiceEndpoints: [{ practiceId: 'prc_0123456789abcdefghjkmnpqrs', url: 'http://plain.example.org' }] },
      /practiceEndpoints\.0\.url: an https:\/\/ URL/,
    ],
    ['subscriptions', { practiceEndpoints: [{ practiceId: 'harbour', url: 'https://x.example.org' }] }, /practiceEndpoints\.0\.practiceId/],
    ['retention', 30, /Unrecognized key/],
    ['hmacKeyVersions', undefined, /dev\.hmacKeyVersions/],
    ['hmacKeyVersions', 'k1', /dev\.hmacKeyVersions/],
    ['hmacKeyVersions', [], /dev\.hmacKeyVersions: list at least the current key version/],
    ['hmacKeyVersions', ['k1', 'k2', 'k3', 'k4'], /dev\.hmacKeyVersions: at most 3 key versions/],
    ['hmacKeyVersions', ['k2', 'k1'], /dev\.hmacKeyVersions\.1: k1 after k2: list each version once, oldest first/],
    ['hmacKeyVersions', ['k1', 'k1'], /dev\.hmacKeyVersions\.1: k1 after k1/],
    ['hmacKeyVersions', ['k1', 'k3', 'k2'], /dev\.hmacKeyVersions\.2: k2 after k3/],
    ['hmacKeyVersions', ['K1'], /dev\.hmacKeyVersions\.0: a key version label such as k2/],
    ['hmacKeyVersions', ['k01'], /dev\.hmacKeyVersions\.0: a key version label/],
    ['hmacKeyVersions', ['v2'], /dev\.hmacKeyVersions\.0: a key version label/],
    ['hmacKeyVersions', ['k'], /dev\.hmacKeyVersions\.0: a key version label/],
    ['hmacKeyVersions', ['k10000'], /dev\.hmacKeyVersions\.0: a key version label/],
    ['hmacKeyVersions', ['k1', ' k2'], /dev\.hmacKeyVersions\.1: a key version label/],
    ['hmacKeyVersions', [1], /dev\.hmacKeyVersions\.0/],
  ])('rejects %s = %j', (path, value, message) => {
    expect(() => parseStageConfig('dev', { dev: withValue(path, value) })).toThrow(message);
  });

  it.each([[['k1']], [['k1', 'k2']], [['k2']], [['k1', 'k3']], [['k0', 'k1', 'k2']], [['k9', 'k10', 'k9999']]])(
    'accepts token key versions %j (oldest first, the last is current)',
    (versions) => {
      expect(parseStageConfig('dev', { dev: withValue('hmacKeyVersions', versions) }).hmacKeyVersions).toEqual(versions);
    },
  );

  it('cdk.json starts every stage with the one token key k1', () => {
    for (const stage of Object.keys(stages)) expect(parseStageConfig(stage, stages).hmacKeyVersions, stage).toEqual(['k1']);
  });

  it('every token key version the stage settings accept is one the functions accept (HMAC_KEY_VERSION)', () => {
    type AwsSchema = Extract<(typeof configSchema.options)[number], { shape: { HMAC_KEY_VERSION: unknown } }>;
    const aws = configSchema.options.find((o): o is AwsSchema => o.shape.PEERGUARD_RUNTIME.value === 'aws')!;
    const label = stageConfigSchema.shape.hmacKeyVersions.element;
    for (const v of ['k0', 'k1', 'k2', 'k10', 'k9999', 'k10000', 'k01', 'K1', 'k', 'k1 ', '']) {
      if (label.safeParse(v).success) expect(aws.shape.HMAC_KEY_VERSION.safeParse(v).success, v).toBe(true);
    }
  });

  it('names every bad value at once, prefixed with the stage', () => {
    const bad = { ...withValue('logLevel', 'LOUD'), sealRetentionDays: 0 };
    expect(() => parseStageConfig('dev', { dev: bad })).toThrow(/dev\.sealRetentionDays: .*; dev\.logLevel: |dev\.logLevel: .*; dev\.sealRetentionDays: /);
  });

  it.each(['Prod', 'prod_1', '1prod', 'a-', 'a--b', 'a'.repeat(19), ''])('rejects stage name %j', (stage) => {
    expect(() => parseStageConfig(stage, { [stage]: dev })).toThrow(/Invalid stage/);
  });

  it('rejects a stage without settings and settings that are not an object', () => {
    expect(() => parseStageConfig('qa', stages)).toThrow(/no settings under "peerguard:stages" \(known: dev, prod\)/);
    expect(() => parseStageConfig('dev', undefined)).toThrow(/must be an object of stage settings/);
    expect(() => parseStageConfig('dev', [dev])).toThrow(/must be an object of stage settings/);
  });

  it('quota bounds match the runtime configuration schema', () => {
    const aws = configSchema.options.find((o) => o.shape.PEERGUARD_RUNTIME.value === 'aws')!;
    for (const [stage, runtime] of [
      ['checksPerMinute', 'CHECKS_PER_MINUTE'],
      ['checksPerDay', 'CHECKS_PER_DAY'],
      ['guessesPerDay', 'GUESSES_PER_DAY'],
      ['slowedChecksPerMinute', 'SLOWED_CHECKS_PER_MINUTE'],
      ['slowedChecksPerDay', 'SLOWED_CHECKS_PER_DAY'],
    ] as const) {
      const field = stageConfigSchema.shape.quotas.shape[stage];
      for (const n of [0, 1, 100_000, 100_001, 10_000_000, 10_000_001]) {
        expect(field.safeParse(n).success, `${stage}=${n}`).toBe(aws.shape[runtime].safeParse(String(n)).success);
      }
    }
  });
});
