import { describe, expect, test } from "vitest";
import { bucketOf, bucketUpper, mergeInto, observe, quantile, total, type Histogram } from "./histogram.js";

describe("latency histogram", () => {
  test("buckets are within 19% and cover sub-millisecond and huge values", () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(0.5)).toBe(0);
    expect(bucketOf(Number.NaN)).toBe(0);
    expect(bucketOf(1e12)).toBe(100);
    for (const ms of [1, 3, 10, 99, 1_000, 12_345]) {
      const b = bucketOf(ms);
      expect(bucketUpper(b)).toBeGreaterThan(ms);
      expect(bucketUpper(b) / ms).toBeLessThanOrEqual(2 ** 0.25 + 1e-9);
    }
  });

  test("merging isolates' histograms gives the quantiles of all observations", () => {
    const a: Histogram = {};
    const b: Histogram = {};
    for (let i = 1; i <= 90; i++) observe(a, 10);
    for (let i = 1; i <= 10; i++) observe(b, 1_000);
    const all = mergeInto(mergeInto({}, a), b);
    expect(total(all)).toBe(100);
    expect(quantile(all, 0.5)).toBeGreaterThanOrEqual(10);
    expect(quantile(all, 0.5)).toBeLessThan(12);
    expect(quantile(all, 0.99)).toBeGreaterThanOrEqual(1_000);
    expect(quantile(all, 0.99)).toBeLessThan(1_190);
    expect(quantile({}, 0.5)).toBeNull();
    // Merging is order-independent.
    expect(mergeInto(mergeInto({}, b), a)).toEqual(all);
  });
});
