import { describe, expect, it } from "vitest";
import { assumedInputs } from "../src/cost/inputs.ts";
import { costScenarios } from "../src/cost/scenarios.ts";
import { summaryLines, num, ratio, pct } from "../src/report/summary.ts";
import { markdownTable, textTable } from "../src/report/table.ts";
import { esc, renderBarChart } from "../src/report/svg.ts";
import type { RunResult } from "../src/results.ts";
import { summarize } from "../src/stats.ts";

function measurement(throughput: number, samples: number[]) {
  return { ops: 100, elapsedMs: 1000, throughput, latency: summarize(samples), requests: 100, notes: [] };
}

const run: Pick<RunResult, "rows" | "targets" | "workloads"> = {
  workloads: [
    { id: "seq-append", title: "Sequential", opUnit: "append", throughputUnit: "ops/s", primary: "latency" },
  ],
  targets: [
    { id: "edge", label: "edge", kind: "edge", description: "" },
    { id: "ref-memory", label: "ref mem", kind: "reference", description: "" },
    { id: "ref-file", label: "ref file", kind: "reference", description: "" },
    { id: "noop-do", label: "noop do", kind: "ceiling", description: "" },
    { id: "noop-do-write", label: "noop do + row", kind: "ceiling", description: "" },
  ],
  rows: [
    {
      workload: "seq-append",
      target: "edge",
      status: "ok",
      measurement: measurement(400, [2, 2, 3]),
      countersPerOp: null,
    },
    { workload: "seq-append", target: "ref-memory", status: "ok", measurement: measurement(500, [1, 1, 1]) },
    { workload: "seq-append", target: "ref-file", status: "error", error: "boom | bad" },
    { workload: "seq-append", target: "noop-do", status: "ok", measurement: measurement(800, [1, 1, 2]) },
    {
      workload: "seq-append",
      target: "noop-do-write",
      status: "ok",
      measurement: measurement(500, [1, 2, 2]),
    },
  ],
};

describe("summary lines", () => {
  const lines = summaryLines(run);
  it("compares latency workloads by median (inverse ratio) and throughput to the ceiling", () => {
    const edge = lines.find((l) => l.target === "edge")!;
    expect(edge.vsRefMemory).toBe(0.5); // median 2 ms vs 1 ms
    expect(edge.vsRefFile).toBeUndefined(); // that row failed
    expect(edge.ofCeiling).toBe(0.5); // 400 / 800 ops/s
    expect(edge.ofFloor).toBe(0.8); // 400 / 500 ops/s: the round trip storing one row
    expect(lines.find((l) => l.target === "noop-do-write")!.ofFloor).toBeUndefined();
    expect(edge.requestsPerOp).toBe(1);
    expect(lines.find((l) => l.target === "ref-memory")!.vsRefMemory).toBeUndefined();
  });

  it("renders text and markdown tables with errors and n/a counts", () => {
    const text = textTable(lines);
    expect(text).toContain("ERROR: boom | bad");
    expect(text).toContain("n/a");
    const md = markdownTable(lines);
    expect(md).toContain("boom \\| bad");
    expect(md.split("\n")).toHaveLength(2 + 5);
    expect(md.split("\n")[0]).toContain("% floor");
  });

  it("formats numbers", () => {
    expect(num(1234.5)).toBe("1,235");
    expect(num(0.012345)).toBe("0.0123");
    expect(num(undefined)).toBe("—");
    expect(ratio(1.234)).toBe("1.23×");
    expect(pct(0.5)).toBe("50%");
  });
});

describe("svg charts", () => {
  it("draws one bar per value, text for missing values, escapes labels", () => {
    const svg = renderBarChart({
      title: "A <b> & c",
      unit: "ms",
      bars: [
        { label: "edge", value: 2, whisker: 5, color: "#f00" },
        { label: "ref", value: 1, color: "#00f" },
        { label: "broken", color: "#0f0", missing: "error" },
      ],
    });
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<rect x=/g)).toHaveLength(2);
    expect(svg).toContain("A &lt;b&gt; &amp; c");
    expect(svg).toContain("2 ms (p99 5)");
    expect(svg).toContain(">error<");
    expect(esc(`"x"`)).toBe("&quot;x&quot;");
  });
});

describe("cost report", () => {
  it("has the three variants for every scenario", () => {
    const report = costScenarios(assumedInputs());
    expect(report.scenarios).toHaveLength(4);
    for (const s of report.scenarios)
      expect(s.variants.map((v) => v.id)).toEqual(["edge", "edge-cdn", "naive-do"]);
  });
});
