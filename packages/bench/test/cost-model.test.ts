import { describe, expect, it } from "vitest";
import { assumedInputs, withMeasured } from "../src/cost/inputs.ts";
import { addUsage, doGbSeconds, price, scaleUsage, SECONDS_PER_MONTH } from "../src/cost/model.ts";
import { PRICES, PRICES_DATE } from "../src/cost/prices.ts";
import { costScenarios } from "../src/cost/scenarios.ts";

const line = (bill: { lines: readonly { key: string; usd: number; quantity: number }[] }, key: string) =>
  bill.lines.find((l) => l.key === key);

describe("price table", () => {
  it("is dated and has the documented unit prices", () => {
    expect(PRICES_DATE).toBe("2026-11-22");
    expect(PRICES.workerRequests.usd).toBe(0.3);
    expect(PRICES.doRequests.usd).toBe(0.15);
    expect(PRICES.doGbSeconds.usd).toBe(12.5);
    expect(PRICES.sqliteRowsWritten.usd).toBe(1);
    expect(PRICES.r2ClassA.usd).toBe(4.5);
    expect(PRICES.cdnRequests.usd).toBe(0);
  });
});

describe("price()", () => {
  it("prices hand-computed usage", () => {
    // 10 M Worker requests = $3.00; 2 M DO requests = $0.30; 1 M GB-s = $12.50;
    // 3 M rows written = $3.00; 1 B rows read = $1.00; 2 M class A = $9.00; 40 GB-month R2 = $0.60.
    const bill = price({
      workerRequests: 10e6,
      doRequests: 2e6,
      doGbSeconds: 1e6,
      sqliteRowsWritten: 3e6,
      sqliteRowsRead: 1e9,
      r2ClassA: 2e6,
      r2StorageGbMonth: 40,
      cdnRequests: 1e9,
    });
    expect(line(bill, "workerRequests")?.usd).toBeCloseTo(3, 10);
    expect(line(bill, "doRequests")?.usd).toBeCloseTo(0.3, 10);
    expect(line(bill, "doGbSeconds")?.usd).toBeCloseTo(12.5, 10);
    expect(line(bill, "sqliteRowsWritten")?.usd).toBeCloseTo(3, 10);
    expect(line(bill, "sqliteRowsRead")?.usd).toBeCloseTo(1, 10);
    expect(line(bill, "r2ClassA")?.usd).toBeCloseTo(9, 10);
    expect(line(bill, "r2StorageGbMonth")?.usd).toBeCloseTo(0.6, 10);
    expect(line(bill, "cdnRequests")?.usd).toBe(0);
    expect(bill.totalUsd).toBeCloseTo(3 + 0.3 + 12.5 + 3 + 1 + 9 + 0.6, 10);
  });

  it("bills incoming DO WebSocket messages at 20:1", () => {
    expect(price({ doWsMessagesIn: 20e6 }).totalUsd).toBeCloseTo(0.15, 10);
  });

  it("rejects negative usage and skips zeros", () => {
    expect(() => price({ workerRequests: -1 })).toThrow(RangeError);
    expect(price({ workerRequests: 0 }).lines).toEqual([]);
  });

  it("a DO active all month is 2,592,000 s × 0.128 GB = 331,776 GB-s = $4.1472", () => {
    expect(SECONDS_PER_MONTH).toBe(2_592_000);
    expect(doGbSeconds(SECONDS_PER_MONTH)).toBeCloseTo(331_776, 6);
    expect(price({ doGbSeconds: doGbSeconds(SECONDS_PER_MONTH) }).totalUsd).toBeCloseTo(4.1472, 10);
  });

  it("adds and scales usage", () => {
    expect(addUsage({ workerRequests: 1 }, { workerRequests: 2, doRequests: 3 })).toEqual({
      workerRequests: 3,
      doRequests: 3,
    });
    expect(scaleUsage({ doRequests: 3 }, 100)).toEqual({ doRequests: 300 });
  });
});

describe("scenarios (assumed inputs, hand-computed)", () => {
  const report = costScenarios(assumedInputs());
  const scenario = (id: string) => report.scenarios.find((s) => s.id === id)!;
  const variant = (id: string, v: string) => scenario(id).variants.find((x) => x.id === v)!;

  it("10,000 long-poll readers at 1 write/s: requests dominate", () => {
    const W = 2_592_000;
    const edge = variant("one-stream-10k-readers", "edge");
    // Every write: 1 append + 10,000 re-polls = 25,922,592,000 Worker requests → $7,776.78.
    expect(line(edge, "workerRequests")?.quantity).toBe(W * 10_001);
    expect(line(edge, "workerRequests")?.usd).toBeCloseTo(7776.7776, 4);
    // DO: 1 request per append + 10 feed (re)opens per minute; readers cost the DO nothing.
    expect(line(edge, "doRequests")?.quantity).toBe(W + 10 * 43_200);
    // Hibernatable between writes: 5 ms × W × 0.128 GB = 1,658.88 GB-s.
    expect(line(edge, "doGbSeconds")?.quantity).toBeCloseTo(1658.88, 6);
    // (1 SQLite row written per append: 2,592,000 rows → $2.592.)
    expect(edge.totalUsd).toBeCloseTo(8298.302, 2);

    const cdn = variant("one-stream-10k-readers", "edge-cdn");
    expect(line(cdn, "workerRequests")?.quantity).toBe(W * 21); // 1 append + 20 collapse points
    const naive = variant("one-stream-10k-readers", "naive-do");
    expect(line(naive, "doRequests")?.quantity).toBe(W * 10_001);
    expect(line(naive, "doGbSeconds")?.quantity).toBeCloseTo(331_776, 6); // never hibernates
    expect(naive.totalUsd).toBeGreaterThan(edge.totalUsd);
    expect(cdn.totalUsd).toBeLessThan(edge.totalUsd / 100);
  });

  it("fan-out to 100 sessions at 1,000 publishes/day", () => {
    const edge = variant("fan-out-100-sessions", "edge");
    // 30,000 source appends + 30,000 SubscriptionDO calls + 3,000,000 copies + 100 × 43,200 feed opens.
    expect(line(edge, "doRequests")?.quantity).toBe(7_380_000);
    // 30,000 source rows + 60,000 outbox rows + 3 M copies × 2 rows (log + producer state).
    expect(line(edge, "sqliteRowsWritten")?.quantity).toBe(6_090_000);
    expect(line(edge, "queueOps")?.usd).toBeCloseTo(0.036, 10);
    // Only the appends and the SSE reconnects reach the Worker.
    expect(line(edge, "workerRequests")?.quantity).toBe(30_000 + 4_320_000);
    // (3,030,000 fewer rows written than at 2 per append, 3 per copy: $3.03 less.)
    expect(edge.totalUsd).toBeCloseTo(8.8176, 3);
    // Naive: each of 100 session DOs holds its SSE reader all month = 33,177,600 GB-s → $414.72.
    const naive = variant("fan-out-100-sessions", "naive-do");
    // (the copies add nothing: those objects are billed all month anyway; the source DO adds 19.2 GB-s).
    expect(line(naive, "doGbSeconds")!.quantity).toBeCloseTo(33_177_600 + 19.2, 6);
    expect(line(naive, "doGbSeconds")!.usd).toBeCloseTo(414.72024, 5);
  });

  it("uses measured counts when the server reports them", () => {
    const inputs = withMeasured(assumedInputs(), { sqliteRowsWritten: 3, doRequests: 1 }, null);
    expect(inputs.rowsWrittenPerAppend).toMatchObject({ value: 3, source: "measured" });
    expect(inputs.rowsReadPerAppend.source).toBe("assumed");
    const edge = costScenarios(inputs).scenarios[0]!.variants[0]!;
    expect(line(edge, "sqliteRowsWritten")?.quantity).toBe(2_592_000 * 3);
  });
});
