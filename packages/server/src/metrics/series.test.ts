import { describe, expect, test } from "vitest";
import { emptyRecord, heldOf, mergeRecord, pointOf, rollUp, type MinuteRecord } from "./series.js";

const rec = (appends: number, lag: number, latency?: number): MinuteRecord => ({
  c: { appends },
  g: { subscriberLag: lag },
  h: latency === undefined ? {} : { [String(latency)]: 1 },
});

describe("minute records", () => {
  test("counters add, gauges keep the maximum, histograms merge", () => {
    const r = mergeRecord(mergeRecord(emptyRecord(), rec(2, 5, 4)), rec(3, 1, 4));
    expect(r).toEqual({ c: { appends: 5 }, g: { subscriberLag: 5 }, h: { "4": 2 } });
  });

  test("roll-up aligns buckets to the resolution and fills empty ones", () => {
    const rows = [
      { minute: 10, record: rec(1, 0) },
      { minute: 14, record: rec(2, 7) },
      { minute: 15, record: rec(4, 0) },
    ];
    const points = rollUp(rows, 11, 21, 5);
    expect(points.map((p) => p.t)).toEqual([10 * 60_000, 15 * 60_000, 20 * 60_000]);
    expect(points.map((p) => p.appends)).toEqual([3, 4, 0]);
    expect(points[0]).toMatchObject({ subscriberLag: 7, reads: 0, fanoutP50: null });
  });
});

describe("readers held", () => {
  test("each isolate keeps its peak; a point adds the isolates up", () => {
    const a1 = { ...emptyRecord(), r: { a: { sseReaders: 3 } } };
    const a2 = { ...emptyRecord(), r: { a: { sseReaders: 2, longPollReaders: 1 } } };
    const b = { ...emptyRecord(), r: { b: { sseReaders: 4 } } };
    const r = mergeRecord(mergeRecord(mergeRecord(emptyRecord(), a1), a2), b);
    expect(heldOf(r, "sseReaders")).toBe(7);
    expect(heldOf(r, "longPollReaders")).toBe(1);
    expect(pointOf(0, r)).toMatchObject({ sseReaders: 7, longPollReaders: 1 });
    expect(pointOf(0, emptyRecord())).toMatchObject({ sseReaders: 0, longPollReaders: 0 });
  });
});
