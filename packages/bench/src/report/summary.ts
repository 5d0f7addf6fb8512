/**
 * Derived figures for the results table: speed relative to each reference
 * server and, for this project's Worker, the fraction of the platform ceiling
 * (the no-op Worker→DO round trip measured with the same workload) and of the
 * durable-write floor (that round trip storing each body as one SQLite row).
 */
import { COUNTER_KEYS, type Counters } from "../counters.ts";
import { findRow, type RunResult } from "../results.ts";
import { speedRatio } from "../stats.ts";
import type { WorkloadInfo } from "../results.ts";

/** One line of the summary table. */
export interface SummaryLine {
  readonly workload: WorkloadInfo;
  readonly target: string;
  readonly targetLabel: string;
  readonly status: "ok" | "error" | "skipped";
  readonly error?: string;
  readonly throughput?: number;
  readonly median?: number;
  readonly p99?: number;
  /** > 1 means faster than the reference (throughput ratio, or inverse latency ratio). */
  readonly vsRefMemory?: number;
  readonly vsRefFile?: number;
  /** Edge throughput / no-op Worker→DO throughput for the same workload (0..1). */
  readonly ofCeiling?: number;
  /** Edge throughput / the floor's (Worker→DO storing one row per request) for the same workload (0..1+). */
  readonly ofFloor?: number;
  readonly requestsPerOp?: number;
  readonly counters?: Counters | null;
  readonly notes: readonly string[];
}

function primary(run: Pick<RunResult, "rows">, w: WorkloadInfo, target: string): number | undefined {
  const m = findRow(run, w.id, target)?.measurement;
  if (!m) return undefined;
  return w.primary === "throughput" ? m.throughput : m.latency.median;
}

/** Builds the summary lines of a run, in workload order then target order. */
export function summaryLines(run: Pick<RunResult, "rows" | "targets" | "workloads">): SummaryLine[] {
  const lines: SummaryLine[] = [];
  for (const w of run.workloads) {
    const higher = w.primary === "throughput";
    for (const t of run.targets) {
      const row = findRow(run, w.id, t.id);
      if (!row) continue;
      const m = row.measurement;
      const own = primary(run, w, t.id);
      const ceiling = findRow(run, w.id, "noop-do")?.measurement?.throughput;
      const floor = findRow(run, w.id, "noop-do-write")?.measurement?.throughput;
      lines.push({
        workload: w,
        target: t.id,
        targetLabel: t.label,
        status: row.status,
        ...(row.error ? { error: row.error } : {}),
        ...(m ? { throughput: m.throughput, median: m.latency.median, p99: m.latency.p99 } : {}),
        ...(t.kind === "reference" || !m
          ? {}
          : {
              vsRefMemory: speedRatio(own, primary(run, w, "ref-memory"), higher),
              vsRefFile: speedRatio(own, primary(run, w, "ref-file"), higher),
            }),
        ...(t.kind === "edge" && m && ceiling ? { ofCeiling: m.throughput / ceiling } : {}),
        ...(t.kind === "edge" && m && floor ? { ofFloor: m.throughput / floor } : {}),
        ...(m && m.ops > 0 ? { requestsPerOp: m.requests / m.ops } : {}),
        counters: row.countersPerOp ?? null,
        notes: m?.notes ?? [],
      });
    }
  }
  return lines;
}

/** Formats server counts per op, or "n/a" when the server exposes none. */
export function formatCounters(c: Counters | null | undefined): string {
  if (!c) return "n/a";
  const short: Record<string, string> = {
    workerRequests: "W",
    doRequests: "DO",
    sqliteRowsRead: "rd",
    sqliteRowsWritten: "wr",
    r2ClassA: "A",
    r2ClassB: "B",
    catalogWrites: "cat",
    metricsFlushes: "met",
  };
  return COUNTER_KEYS.filter((k) => c[k] !== undefined)
    .map((k) => `${short[k]} ${num(c[k]!)}`)
    .join(" ");
}

/** Compact number: 3 significant figures, thousands separators. */
export function num(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return "—";
  if (n === 0) return "0";
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString("en-US");
  return Number(n.toPrecision(3)).toString();
}

/** Formats a speed ratio as e.g. "1.8×"; "—" when absent. */
export function ratio(r: number | undefined): string {
  return r === undefined ? "—" : `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×`;
}

/** Formats a 0..1 fraction as a percentage; "—" when absent. */
export function pct(f: number | undefined): string {
  return f === undefined ? "—" : `${(f * 100).toFixed(f < 0.1 ? 1 : 0)}%`;
}
