/** Shared rate limits: batching of reports, verdicts applied per key, the object's bucket. */
import { describe, expect, test } from "vitest";
import { SharedBucket, SharedLimits, REPORT_EVERY_MS } from "./shared-limits.js";

describe("SharedLimits", () => {
  test("the first request of a key is reported at once, later ones in batches of 1% of the limit", () => {
    const s = new SharedLimits();
    const first = s.admitted("k", 10_000, 0);
    expect(first).toEqual({ key: "k", perMinute: 10_000, used: 1 });
    s.answered(first!, 0, 1);
    const reports = [];
    for (let i = 0; i < 250; i++) {
      const r = s.admitted("k", 10_000, 2);
      if (r) {
        reports.push(r.used);
        s.answered(r, 0, 2);
      }
    }
    expect(reports).toEqual([100, 100]);
    // What is left is reported once REPORT_EVERY_MS has passed.
    expect(s.admitted("k", 10_000, 2 + REPORT_EVERY_MS)?.used).toBe(51);
  });

  test("one report at a time per key; a failed report's count goes into the next", () => {
    const s = new SharedLimits();
    const r = s.admitted("k", 100, 0)!;
    expect(s.admitted("k", 100, 1)).toBeNull();
    s.answered(r, null, 2);
    expect(s.admitted("k", 100, 3)?.used).toBe(3);
    // A report that never returns stops holding back the next one after a while.
    expect(s.admitted("k", 100, 4)).toBeNull();
    expect(s.admitted("k", 100, 3 + 10_000)?.used).toBe(2);
  });

  test("a verdict blocks the key in this isolate until it runs out", () => {
    const s = new SharedLimits();
    s.answered(s.admitted("k", 60, 0)!, 2_500, 10);
    expect(s.blockedFor("k", 10)).toBe(3);
    expect(s.blockedFor("k", 2_509)).toBe(1);
    expect(s.blockedFor("k", 2_510)).toBe(0);
    expect(s.blockedFor("other", 10)).toBe(0);
  });

  test("isolates reporting to one bucket share its limit", () => {
    const bucket = new SharedBucket();
    const isolates = [new SharedLimits(), new SharedLimits(), new SharedLimits()];
    let admitted = 0;
    // 3 isolates, 60/min limit: each admits while its last verdict allows.
    for (let round = 0; round < 40; round++) {
      for (const iso of isolates) {
        if (iso.blockedFor("p", 0) > 0) continue;
        admitted += 1;
        const r = iso.admitted("p", 60, 0);
        if (r) iso.answered(r, bucket.draw(60, r.used, 0), 0);
      }
    }
    expect(admitted).toBeLessThanOrEqual(60 + isolates.length);
    expect(admitted).toBeGreaterThanOrEqual(60);
  });
});

describe("SharedBucket", () => {
  test("draws down, says how long until one request fits, refills over a minute", () => {
    const b = new SharedBucket();
    expect(b.draw(60, 59, 0)).toBe(0);
    expect(b.draw(60, 1, 0)).toBe(1_000);
    expect(b.draw(60, 0, 30_000)).toBe(0);
    expect(b.draw(0, 1_000_000, 0)).toBe(0);
  });
});
