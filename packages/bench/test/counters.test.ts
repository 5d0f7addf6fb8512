import { describe, expect, it } from "vitest";
import { countersPerOp, fetchCounters, parseCounters } from "../src/counters.ts";

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
