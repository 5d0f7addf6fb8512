import { describe, expect, it } from "vitest";
import { median, percentile, percentileSorted, speedRatio, summarize, throughput } from "../src/stats.ts";

describe("nearest-rank percentiles", () => {
  // The textbook example: 15, 20, 35, 40, 50.
  const five = [50, 15, 40, 20, 35];

  it("matches hand-computed ranks", () => {
    expect(percentile(five, 0)).toBe(15);
    expect(percentile(five, 5)).toBe(15); // rank ceil(0.25) = 1
    expect(percentile(five, 30)).toBe(20); // rank ceil(1.5) = 2
    expect(percentile(five, 40)).toBe(20); // rank 2 exactly
    expect(percentile(five, 50)).toBe(35); // rank ceil(2.5) = 3
    expect(percentile(five, 100)).toBe(50);
  });

  it("p99 of 1..100 is 99, of 1..1000 is 990, of 10 samples is the max", () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    const thousand = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(thousand, 99)).toBe(990);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
  });

  it("the median is an observed sample (lower middle for even counts)", () => {
    expect(median([4, 1, 3, 2])).toBe(2);
    expect(median([7])).toBe(7);
  });

  it("does not modify its input and rejects bad percentiles", () => {
    const input = [3, 1, 2];
    percentile(input, 50);
    expect(input).toEqual([3, 1, 2]);
    expect(() => percentileSorted([1], 101)).toThrow(RangeError);
    expect(() => percentileSorted([1], -1)).toThrow(RangeError);
    expect(percentileSorted([], 50)).toBeNaN();
  });

  it("summarizes", () => {
    const s = summarize([10, 20, 30, 40]);
    expect(s).toEqual({ count: 4, min: 10, median: 20, p90: 40, p99: 40, max: 40, mean: 25 });
    expect(summarize([]).median).toBeNaN();
  });
});

describe("rates and ratios", () => {
  it("computes throughput per second", () => {
    expect(throughput(500, 250)).toBe(2000);
    expect(throughput(5, 0)).toBe(0);
  });

  it("speed ratio > 1 means faster, for throughput and latency alike", () => {
    expect(speedRatio(200, 100, true)).toBe(2); // twice the throughput
    expect(speedRatio(5, 10, false)).toBe(2); // half the latency
    expect(speedRatio(20, 10, false)).toBe(0.5);
    expect(speedRatio(undefined, 10, true)).toBeUndefined();
    expect(speedRatio(10, 0, true)).toBeUndefined();
  });
});
