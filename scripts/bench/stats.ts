/** Latency summaries for the benchmark: nearest-rank percentiles over every recorded sample. */

export interface LatencySummary {
  /** Requests (or operations) that completed inside the measured window. */
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  /** Completed per second of the measured window. */
  readonly perSecond: number;
}

/** The nearest-rank percentile (1 ≤ p ≤ 100) of samples sorted ascending; NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarise(samplesMs: readonly number[], seconds: number): LatencySummary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    perSecond: seconds > 0 ? sorted.length / seconds : Number.NaN,
  };
}

/** `value / base`, or NaN when the base is missing or zero (a ratio to nothing says nothing). */
export function ratio(value: number, base: number): number {
  return Number.isFinite(base) && base > 0 && Number.isFinite(value) ? value / base : Number.NaN;
}
