import { describe, expect, it } from 'vitest';
import { padded, screeningAnswerBytes } from '#functions/http/padding.ts';
import { guidance, type CheckResult, type MatchedAlert } from '#shared/domain/checks.ts';
import { tokenKinds } from '#shared/identifiers/token-kinds.ts';

/**
 * A screening answer's size must not tell a match from a no-match: every answer (and every result
 * of a batch) is padded to whole buckets, and the answers a desk gets are one bucket each.
 */
const checkId = 'chk_01kbz0s5n7q9t1w3y5a7c9e1g3';
const bytes = (answer: object) => Buffer.byteLength(JSON.stringify(answer), 'utf8');

/** The longest alert entry an answer can carry: the longest category, every recipe (a real one names a few). */
const widestAlert: MatchedAlert = {
  category: 'sexual_misconduct',
  severity: 'medium',
  publishedOn: '2026-11-21',
  confidence: 'possible',
  matchedOn: [...tokenKinds],
};

function match(alerts: number, confidence: 'strong' | 'possible'): CheckResult {
  return {
    checkId,
    result: 'match',
    confidence,
    matchedOn: [...tokenKinds],
    alerts: Array.from({ length: alerts }, () => ({ ...widestAlert, confidence })),
    reportingPractices: alerts,
    guidance: guidance[confidence],
  };
}

describe('screening answers are padded to one size', () => {
  it('a no-match and a match listing up to six alerts (every recipe on each), strong or possible, are exactly one bucket, alone or in a batch', () => {
    const answers: CheckResult[] = [{ checkId, result: 'no_match' }, ...[1, 2, 4, 6].flatMap((n) => [match(n, 'strong'), match(n, 'possible')])];
    for (const answer of answers) {
      expect(bytes(padded(answer)), JSON.stringify(answer).slice(0, 80)).toBe(screeningAnswerBytes);
      expect(bytes(padded({ ref: 'booking-2026-11-21-0001', ...answer }))).toBe(screeningAnswerBytes);
    }
  });

  it('pads with spaces only, and keeps every field of the answer', () => {
    const answer = match(1, 'strong');
    const { padding, ...rest } = padded(answer);
    expect(padding).toMatch(/^ +$/);
    expect(rest).toEqual(answer);
  });

  it('an answer larger than a bucket is padded to whole buckets, never cut', () => {
    const huge = match(40, 'possible');
    const size = bytes(padded(huge));
    expect(size % screeningAnswerBytes).toBe(0);
    expect(size).toBeGreaterThan(bytes(huge));
  });
});
