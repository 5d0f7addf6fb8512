import { describe, expect, test } from "vitest";
import { StorageEstimate } from "./storage-estimate.js";

function estimate(size: { bytes: number }) {
  let reads = 0;
  const e = new StorageEstimate(() => {
    reads += 1;
    return size.bytes;
  });
  return { e, reads: () => reads };
}

describe("storage estimate", () => {
  test("measures on first use, then counts appends until 256 of them or 1 MiB", () => {
    const size = { bytes: 1000 };
    const { e, reads } = estimate(size);
    expect(e.fits(100, 10_000)).toBe(true);
    for (let i = 0; i < 255; i++) e.added(1);
    expect(e.fits(1, 1_000_000)).toBe(true);
    expect(reads()).toBe(1);
    e.added(1);
    expect(e.fits(1, 1_000_000)).toBe(true);
    expect(reads()).toBe(2); // 256 appends: measured again
    e.added(1024 * 1024);
    expect(e.fits(1, 10_000_000)).toBe(true);
    expect(reads()).toBe(3); // 1 MiB: measured again
  });

  test("an estimate over the limit is measured before it refuses (a seal freed pages)", () => {
    const size = { bytes: 9_000 };
    const { e, reads } = estimate(size);
    expect(e.fits(500, 10_000)).toBe(true);
    e.added(500);
    size.bytes = 2_000; // a seal freed pages
    expect(e.fits(900, 10_000)).toBe(true);
    expect(reads()).toBe(2);
    e.added(7_800); // the estimate (2,000 + 7,800 + a row) is over: measured, and really full
    size.bytes = 9_950;
    expect(e.fits(200, 10_000)).toBe(false);
    expect(reads()).toBe(3);
  });
});
