/**
 * Percentile math for latency samples. Uses the nearest-rank definition (the
 * smallest sample such that at least p% of samples are <= it): it always returns
 * a value that was actually observed, which is what a p99 should mean for a
 * benchmark, and it is simple enough to check by hand.
 */

/** Summary of a set of latency samples in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly min: number;
  readonly median: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Nearest-rank percentile of already-sorted ascending samples; NaN when empty. */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (p < 0 || p > 100 || Number.isNaN(p)) throw new RangeError(`percentile must be in [0, 100], got ${p}`);
  if (sorted.length === 0) return Number.NaN;
  if (p === 0) return sorted[0]!;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** Nearest-rank percentile of unsorted samples (does not modify the input). */
export function percentile(samples: readonly number[], p: number): number {
  return percentileSorted(
    [...samples].sort((a, b) => a - b),
    p,
  );
}

/** Median as the 50th nearest-rank percentile (an observed value, not an average of two). */
export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** Min, median, p90, p99, max and mean of the samples; NaN fields when empty. */
export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    min: sorted.length ? sorted[0]! : Number.NaN,
    median: percentileSorted(sorted, 50),
    p90: percentileSorted(sorted, 90),
    p99: percentileSorted(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
  };
}

/** Operations per second for `ops` completed in `elapsedMs`; 0 when nothing ran. */
export function throughput(ops: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (ops * 1000) / elapsedMs : 0;
}

/**
 * Ratio expressing "how many times faster than the reference": > 1 means the
 * target is better. For throughput that is target/reference; for latency the
 * inverse. Undefined when either side is missing or zero.
 */
export function speedRatio(
  target: number | undefined,
  reference: number | undefined,
  higherIsBetter: boolean,
): number | undefined {
  if (target === undefined || reference === undefined) return undefined;
  if (!Number.isFinite(target) || !Number.isFinite(reference) || target <= 0 || reference <= 0)
    return undefined;
  return higherIsBetter ? target / reference : reference / target;
}
