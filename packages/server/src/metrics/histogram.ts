/**
 * A mergeable latency histogram: log-scale buckets, four per power of two
 * (each bucket's upper bound is at most 19% above its lower one), stored
 * sparsely as `{ bucket: count }`. Isolates and minutes merge by adding
 * counts, so p50/p99 over any range come from the merged buckets.
 */

/** Sparse bucket counts. */
export type Histogram = Record<string, number>;

const PER_OCTAVE = 4;
const MAX_BUCKET = 100; // 2^25 ms: anything slower lands in the last bucket

/** The bucket of a latency in ms (bucket 0 holds everything below 1 ms). */
export function bucketOf(ms: number): number {
  if (!(ms >= 1)) return 0;
  return Math.min(MAX_BUCKET, 1 + Math.floor(PER_OCTAVE * Math.log2(ms)));
}

/** The upper bound (ms) of a bucket. */
export function bucketUpper(bucket: number): number {
  return bucket === 0 ? 1 : 2 ** (bucket / PER_OCTAVE);
}

/** Adds one observation to `h` (in place). */
export function observe(h: Histogram, ms: number, n = 1): void {
  const b = String(bucketOf(ms));
  h[b] = (h[b] ?? 0) + n;
}

/** Adds `from` into `into` (in place) and returns `into`. */
export function mergeInto(into: Histogram, from: Histogram | undefined): Histogram {
  if (!from) return into;
  for (const [b, n] of Object.entries(from)) into[b] = (into[b] ?? 0) + n;
  return into;
}

/** Observations in `h`. */
export function total(h: Histogram): number {
  return Object.values(h).reduce((a, b) => a + b, 0);
}

/** The q-quantile (0..1) as its bucket's upper bound in ms; null when empty. */
export function quantile(h: Histogram, q: number): number | null {
  const n = total(h);
  if (n === 0) return null;
  const want = Math.max(1, Math.ceil(q * n));
  let seen = 0;
  for (const b of Object.keys(h)
    .map(Number)
    .sort((x, y) => x - y)) {
    seen += h[String(b)]!;
    if (seen >= want) return Math.round(bucketUpper(b) * 100) / 100;
  }
  return null;
}
