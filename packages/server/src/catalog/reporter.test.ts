import { describe, expect, test } from "vitest";
import type { CatalogEntry, CatalogReport } from "./entry.js";
import { CatalogReporter, type StreamSnapshot } from "./reporter.js";

function harness(intervalMs = 1_000, stored = { v: 0 }) {
  const reports: CatalogReport[] = [];
  const alarms: number[] = [];
  const timers: { fn: () => void; ms: number; at?: number }[] = [];
  let fail = 0;
  let stream: { instance: string; closed: boolean; tail: number } | null = null;
  const snapshot = (): StreamSnapshot | null => {
    const s = stream;
    if (!s) return null;
    return {
      key: "p/s",
      tail: s.tail,
      lifecycle: `${s.instance}|${s.closed}`,
      entry: (lastAppendAt, now) => ({ name: "s", bytes: s.tail, lastAppendAt, reportedAt: now }) as CatalogEntry,
    };
  };
  const r = new CatalogReporter({
    intervalMs,
    versions: { load: () => stored.v, save: (v) => (stored.v = v) },
    arm: (at) => alarms.push(at),
    later: (fn, ms) => timers.push({ fn, ms }),
    snapshot,
    sink: () => ({
      report: async (x) => {
        if (fail > 0 && fail--) throw new Error("down");
        reports.push(x);
        return true;
      },
    }),
  });
  return {
    r,
    reports,
    alarms,
    timers,
    set: (s: typeof stream) => (stream = s),
    failNext: (n: number) => (fail = n),
  };
}

describe("catalog reporter", () => {
  test("a restarted object continues from its stored version, whatever its clock says", async () => {
    const stored = { v: 0 };
    const before = harness(1_000, stored);
    before.set({ instance: "i1", closed: false, tail: 0 });
    await before.r.sync(10_000, "p/s");
    // The next object runs where the clock is 5 s behind; its delete must still outrank the old upsert.
    const after = harness(1_000, stored);
    after.set(null);
    await after.r.sync(5_000, "p/s");
    expect(after.reports.map((x) => x.kind)).toEqual(["remove"]);
    expect(after.reports[0]!.version).toBeGreaterThan(before.reports[0]!.version);
  });

  test("lifecycle changes go out at once; stats at most once per interval", async () => {
    const h = harness();
    h.set({ instance: "i1", closed: false, tail: 0 });
    await h.r.sync(0, "p/s");
    expect(h.reports.map((x) => x.kind)).toEqual(["upsert"]);
    let timers = 0;
    for (let t = 1; t <= 2_500; t++) {
      h.set({ instance: "i1", closed: false, tail: t });
      const before = h.reports.length;
      await h.r.sync(t);
      expect(h.reports.length).toBe(before); // never sent by the append itself
      // The flush timer fires when it is due (the fake clock is the loop's).
      for (const x of h.timers) x.at ??= t + x.ms;
      for (const due of h.timers.filter((x) => x.at! <= t)) {
        h.timers.splice(h.timers.indexOf(due), 1);
        timers += 1;
        due.fn();
        await new Promise((r) => setTimeout(r, 0));
      }
    }
    // 2500 appends over 2.5 s: the create, then one report per second.
    expect(h.reports).toHaveLength(3);
    expect(h.alarms).toEqual([]); // stats never touch the durable alarm
    expect(timers).toBeLessThanOrEqual(3); // one flush timer per interval at most
    h.set({ instance: "i1", closed: true, tail: 2_500 });
    await h.r.sync(2_501);
    expect(h.reports).toHaveLength(4);
    h.set(null);
    await h.r.sync(2_502);
    expect(h.reports.at(-1)).toMatchObject({ kind: "remove", name: "s" });
    const versions = h.reports.map((x) => x.version);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(new Set(versions).size).toBe(versions.length);
  });

  test("owed stats are sent by the timer (or the alarm); the last append time is kept", async () => {
    const h = harness();
    h.set({ instance: "i1", closed: false, tail: 0 });
    await h.r.sync(0, "p/s");
    h.set({ instance: "i1", closed: false, tail: 5 });
    await h.r.sync(400);
    expect(h.reports).toHaveLength(1);
    expect(h.timers).toEqual([{ fn: expect.any(Function), ms: 600 }]);
    await h.r.onAlarm(999);
    expect(h.reports).toHaveLength(1);
    await h.r.onAlarm(1_000);
    expect(h.reports).toHaveLength(2);
    const last = h.reports[1]!;
    expect(last.kind === "upsert" && last.entry).toMatchObject({ bytes: 5, lastAppendAt: 400 });
    await h.r.onAlarm(5_000); // nothing owed
    expect(h.reports).toHaveLength(2);
  });

  test("a failed report is retried with a newer version; a removal is never lost", async () => {
    const h = harness();
    h.set({ instance: "i1", closed: false, tail: 0 });
    await h.r.sync(0, "p/s");
    h.failNext(1);
    h.set(null);
    await h.r.sync(10, "p/s");
    expect(h.reports).toHaveLength(1);
    expect(h.alarms.length).toBeGreaterThan(0);
    await h.r.onAlarm(Date.now() * 2); // far later; the sink works again
    expect(h.reports.at(-1)).toMatchObject({ kind: "remove" });
    expect(h.reports.at(-1)!.version).toBeGreaterThan(h.reports[0]!.version);
  });

  test("after a restart the first operation reports once", async () => {
    const h = harness();
    h.set({ instance: "i1", closed: false, tail: 7 });
    await h.r.sync(100);
    await h.r.sync(101);
    expect(h.reports).toHaveLength(1);
  });
});
