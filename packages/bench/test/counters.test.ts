import { describe, expect, it, test } from "vitest";
import {
  countersPerOp,
  fetchCounters,
  mergePerOp,
  parseCounters,
  rowsPerOp,
  streamDelta,
} from "../src/counters.ts";

describe("server counters", () => {
  it("accepts flat camelCase and snake_case names", () => {
    expect(parseCounters({ workerRequests: 5, do_requests: 4, sqlite_rows_written: 8 })).toEqual({
      workerRequests: 5,
      doRequests: 4,
      sqliteRowsWritten: 8,
    });
  });

  it("accepts nested shapes", () => {
    const json = {
      counters: { worker: { requests: 10 }, streamDo: { requests: 7 }, r2: { classA: 1, classB: 2 } },
    };
    expect(parseCounters(json)).toEqual({ workerRequests: 10, doRequests: 7, r2ClassA: 1, r2ClassB: 2 });
  });

  it("returns null when nothing is recognised (printed as n/a)", () => {
    expect(parseCounters({ uptime: 3 })).toBeNull();
    expect(parseCounters("nope")).toBeNull();
  });

  it("computes per-op differences", () => {
    expect(
      countersPerOp({ doRequests: 10, sqliteRowsWritten: 0 }, { doRequests: 30, sqliteRowsWritten: 40 }, 20),
    ).toEqual({
      doRequests: 1,
      sqliteRowsWritten: 2,
    });
    expect(countersPerOp(null, { doRequests: 1 }, 1)).toBeNull();
    expect(countersPerOp({ doRequests: 1 }, { doRequests: 2 }, 0)).toBeNull();
  });

  it("has no counters without a metrics URL", async () => {
    expect(await fetchCounters(undefined)).toBeNull();
  });
});

describe("per-stream counters", () => {
  const reading = (
    rowsRead: number,
    rowsWritten: number,
    framesSent: number,
    constructedAt = 1,
    catalogWrites = 0,
    r2ClassA = 0,
  ) => ({
    rowsRead,
    rowsWritten,
    framesSent,
    catalogWrites,
    r2ClassA,
    r2ClassB: 0,
    constructedAt,
  });

  test("streamDelta subtracts readings of the same object instance", () => {
    expect(streamDelta(reading(10, 20, 3), reading(15, 28, 7))).toEqual(reading(5, 8, 4));
  });

  test("streamDelta keeps only the later reading when the object was evicted in between", () => {
    expect(streamDelta(reading(10, 20, 3, 1), reading(2, 4, 1, 2))).toEqual(reading(2, 4, 1, 2));
  });

  test("rowsPerOp sums the streams' deltas and divides by ops; streams first seen later count from zero", () => {
    const before = new Map([["a", reading(10, 10, 0)]]);
    const after = new Map([
      ["a", reading(30, 50, 0)],
      ["b", reading(20, 10, 0)],
    ]);
    expect(rowsPerOp(before, after, 10)).toEqual({
      sqliteRowsRead: 4,
      sqliteRowsWritten: 5,
      catalogWrites: 0,
      r2ClassA: 0,
      r2ClassB: 0,
    });
  });

  test("rowsPerOp reports the catalog writes per op (docs/admin.md)", () => {
    const before = new Map([["a", reading(0, 0, 0, 1, 1)]]);
    const after = new Map([["a", reading(0, 0, 0, 1, 3)]]);
    expect(rowsPerOp(before, after, 100)).toMatchObject({ catalogWrites: 0.02 });
  });

  test("R2 operations of the objects add to the edge's (each is counted where it is made)", () => {
    const objects = rowsPerOp(new Map(), new Map([["a", reading(0, 0, 0, 1, 0, 20)]]), 10);
    expect(objects?.r2ClassA).toBe(2);
    expect(mergePerOp({ workerRequests: 1, r2ClassA: 1, r2ClassB: 3 }, objects)).toEqual({
      workerRequests: 1,
      sqliteRowsRead: 0,
      sqliteRowsWritten: 0,
      catalogWrites: 0,
      r2ClassA: 3,
      r2ClassB: 3,
    });
    expect(mergePerOp(null, null)).toBeNull();
  });

  test("rowsPerOp is null without readings or operations", () => {
    expect(rowsPerOp(new Map(), new Map(), 10)).toBeNull();
    expect(rowsPerOp(new Map(), new Map([["a", reading(1, 1, 0)]]), 0)).toBeNull();
  });
});
