import { describe, expect, it } from 'vitest';
import { normalisePhone } from '#shared/identifiers/normalise.ts';
import { subjectMessages } from '#shared/identifiers/recipes.ts';
import { screeningPool, subject } from '../../scripts/bench/subjects.ts';
import { functionName, lambdaAssets } from '../../scripts/bench/cold-start.ts';
import { parseOptions } from '../../scripts/bench/options.ts';

describe('bench subjects', () => {
  it('gives distinct people with valid phones and every strong token kind', () => {
    const people = [0, 1, 25, 26, 9999, 123_456, 9_000_000].map(subject);
    for (const person of people) expect(normalisePhone(person.phone, 'US')).toMatch(/^\+1860\d{7}$/);
    const messages = people.flatMap((person) => subjectMessages(person, 'US', 'store').direct.map(({ message }) => message));
    expect(new Set(messages).size).toBe(messages.length);
    expect(subjectMessages(subject(0), 'US', 'store').direct.map(({ kind }) => kind)).toEqual(['phone', 'email', 'name', 'name_dob']);
    expect(subject(7)).toEqual(subject(7));
  });

  it('draws one known subject in every 1/ratio and strangers otherwise', () => {
    const pool = screeningPool({ size: 100, matchRatio: 0.2, known: [3, 4], unknownFrom: 1000 });
    const known = new Set([subject(3).phone, subject(4).phone]);
    expect(pool.filter((person) => known.has(person.phone))).toHaveLength(20);
    expect(pool[0]).toEqual(subject(3));
    expect(pool[5]).toEqual(subject(4));
    expect(pool[1]).toEqual(subject(1001));
    expect(screeningPool({ size: 10, matchRatio: 0, known: [3], unknownFrom: 1000 }).some((person) => known.has(person.phone))).toBe(false);
  });
});

describe('bench cold start', () => {
  it('maps each synthesised function to its asset, handler file and environment', () => {
    const template = {
      Resources: {
        ChecksFunction701C2A08: {
          Type: 'AWS::Lambda::Function',
          Metadata: { 'aws:asset:path': 'asset.abc' },
          Properties: { Handler: 'index.handler', Environment: { Variables: { LOG_LEVEL: 'INFO', MAIN_TABLE: { 'Fn::ImportValue': 'x' } } } },
        },
        ChecksFunctionServiceRole: { Type: 'AWS::IAM::Role', Properties: {} },
      },
    };
    expect(lambdaAssets(template)).toEqual([
      { name: 'checks', asset: 'asset.abc', file: 'index.mjs', env: { LOG_LEVEL: 'INFO', MAIN_TABLE: 'peerguard-bench-main_table' } },
    ]);
    expect(functionName('AuthorizerFunctionB4DBAA43')).toBe('authorizer');
  });
});

describe('bench options', () => {
  it('defaults to 10 s phases at 1, 8 and 32 with 1,000 and 100,000 alerts', () => {
    expect(parseOptions([])).toMatchObject({ seconds: 10, concurrency: [1, 8, 32], alerts: [1000, 100_000], growth: true, coldStart: true, reuseSynth: false });
    expect(parseOptions(['--reuse-synth', '--concurrency', '4,16']).reuseSynth).toBe(true);
    expect(parseOptions(['--concurrency', '4,16']).concurrency).toEqual([4, 16]);
    expect(parseOptions(['--quick'])).toMatchObject({ seconds: 1, alerts: [200, 2000], coldRuns: 1 });
    expect(parseOptions(['--duration', '3', '--alerts', '5000,100', '--skip-growth'])).toMatchObject({ seconds: 3, alerts: [100, 5000], growth: false });
    expect(() => parseOptions(['--duration', '0'])).toThrow(/--duration/);
    expect(() => parseOptions(['--match-ratio', '2'])).toThrow(/--match-ratio/);
  });
});
