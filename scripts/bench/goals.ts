/**
 * The goals of issue 7, evaluated on measured figures. They are reported (met / not met), never
 * asserted: a benchmark on a busy laptop informs, it does not gate.
 */

export interface GoalResult {
  readonly goal: string;
  /** `undefined` when the figures needed were not measured in this run (e.g. --skip-growth). */
  readonly met: boolean | undefined;
  readonly detail: string;
}

export const limits = {
  /** A check's p50 may be at most this multiple of the floor's p50 at the same concurrency. */
  floorRatio: 1.5,
  /** Growth from the smallest to the largest alert count may slow a check's p50 by at most this fraction. */
  growthSlowdown: 0.2,
  bundleBytes: 300 * 1024,
} as const;

const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

export function floorGoal(levels: readonly { concurrency: number; checkP50: number; floorP50: number }[]): GoalResult {
  const goal = `check p50 ≤ ${limits.floorRatio}× floor p50 at every concurrency`;
  if (levels.length === 0) return { goal, met: undefined, detail: 'not measured' };
  const ratios = levels.map(({ concurrency, checkP50, floorP50 }) => ({ concurrency, value: floorP50 > 0 ? checkP50 / floorP50 : Number.NaN }));
  const met = ratios.every(({ value }) => Number.isFinite(value) && value <= limits.floorRatio);
  return { goal, met, detail: ratios.map(({ concurrency, value }) => `c${concurrency} ${Number.isFinite(value) ? `${fixed(value)}×` : 'n/a'}`).join(', ') };
}

export interface CheckCost {
  /** Distinct token kinds the checked subjects carried, on average per check. */
  readonly tokenKinds: number;
  readonly kms: number;
  readonly dynamoReads: number;
  readonly dynamoWrites: number;
}

export function costGoal(cost: CheckCost | undefined): GoalResult {
  const goal = 'per check ≤ 1 KMS request per token kind, ≤ 1 DynamoDB read and ≤ 1 write (authorisation apart)';
  if (!cost) return { goal, met: undefined, detail: 'not measured' };
  const met = cost.kms <= cost.tokenKinds + 1e-9 && cost.dynamoReads <= 1 + 1e-9 && cost.dynamoWrites <= 1 + 1e-9;
  return {
    goal,
    met,
    detail: `KMS ${fixed(cost.kms)} for ${fixed(cost.tokenKinds)} kinds, reads ${fixed(cost.dynamoReads)}, writes ${fixed(cost.dynamoWrites)}`,
  };
}

export function growthGoal(points: readonly { alerts: number; p50: number }[]): GoalResult {
  const goal = `check p50 within ${limits.growthSlowdown * 100}% from the fewest to the most alerts`;
  if (points.length < 2) return { goal, met: undefined, detail: 'not measured' };
  const sorted = [...points].sort((a, b) => a.alerts - b.alerts);
  const first = sorted[0]!;
  const last = sorted.at(-1)!;
  const change = first.p50 > 0 ? last.p50 / first.p50 - 1 : Number.NaN;
  const met = Number.isFinite(change) && Math.abs(change) <= limits.growthSlowdown;
  return {
    goal,
    met,
    detail: `${first.alerts} → ${last.alerts} alerts: p50 ${fixed(first.p50)} → ${fixed(last.p50)} ms (${change >= 0 ? '+' : ''}${fixed(change * 100, 0)}%)`,
  };
}

export function bundleGoal(bundles: readonly { name: string; bytes: number }[]): GoalResult {
  const goal = `every bundle < ${limits.bundleBytes / 1024} KB`;
  if (bundles.length === 0) return { goal, met: undefined, detail: 'not measured' };
  const over = bundles.filter(({ bytes }) => bytes >= limits.bundleBytes);
  return {
    goal,
    met: over.length === 0,
    detail:
      over.length === 0
        ? `largest ${fixed(Math.max(...bundles.map(({ bytes }) => bytes)) / 1024, 0)} KB`
        : `over: ${over.map(({ name, bytes }) => `${name} ${fixed(bytes / 1024, 0)} KB`).join(', ')}`,
  };
}

export const verdict = (met: boolean | undefined) => (met === undefined ? 'not measured' : met ? 'met' : 'NOT MET');
