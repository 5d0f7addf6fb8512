/** Builds the report's charts (one per workload, one per cost scenario) from a run. */
import type { RunResult } from "../results.ts";
import { COLORS, renderBarChart, type Bar } from "./svg.ts";
import { summaryLines } from "./summary.ts";

/** A chart file: name under docs/bench/ and its SVG text. */
export interface ChartFile {
  readonly file: string;
  readonly title: string;
  readonly svg: string;
}

function color(kind: string, id: string): string {
  if (kind === "edge") return COLORS.edge;
  if (kind === "ceiling") return COLORS.ceiling;
  return id === "ref-file" ? COLORS.reference2 : COLORS.reference;
}

/** One chart per workload that has at least one measured value, plus one per cost scenario. */
export function buildCharts(run: RunResult): ChartFile[] {
  const lines = summaryLines(run);
  const charts: ChartFile[] = [];
  for (const w of run.workloads) {
    const mine = lines.filter((l) => l.workload.id === w.id);
    if (!mine.some((l) => l.status === "ok")) continue;
    const latency = w.primary === "latency";
    const bars: Bar[] = mine.map((l) => {
      const kind = run.targets.find((t) => t.id === l.target)?.kind ?? "reference";
      const value = latency ? l.median : l.throughput;
      return {
        label: l.targetLabel,
        color: color(kind, l.target),
        ...(value !== undefined
          ? { value }
          : { missing: l.status === "skipped" ? "skipped" : "error (see table)" }),
        ...(latency && l.p99 !== undefined ? { whisker: l.p99 } : {}),
      };
    });
    charts.push({
      file: `${w.id}.svg`,
      title: w.title,
      svg: renderBarChart({
        title: w.title,
        subtitle: latency
          ? "median latency, whisker = p99 (shorter is better)"
          : `${w.throughputUnit} (longer is better)`,
        unit: latency ? "ms" : w.throughputUnit,
        bars,
      }),
    });
  }
  for (const s of run.cost.scenarios) {
    charts.push({
      file: `cost-${s.id}.svg`,
      title: `Monthly cost: ${s.title}`,
      svg: renderBarChart({
        title: `Monthly cost: ${s.title}`,
        subtitle: `USD per month at list prices of ${run.cost.pricesDate} (shorter is cheaper)`,
        unit: "/ month",
        format: (n) => `$${n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(2)}`,
        bars: s.variants.map((v) => ({
          label: v.label,
          value: v.totalUsd,
          color: v.id === "naive-do" ? COLORS.ceiling : v.id === "edge-cdn" ? COLORS.reference : COLORS.edge,
        })),
      }),
    });
  }
  return charts;
}
