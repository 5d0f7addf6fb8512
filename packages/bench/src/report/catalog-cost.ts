/**
 * The catalog's cost, from one run: append throughput of the edge Worker
 * next to the same Worker with CATALOG_ENABLED="false" (target `edge-nocat`),
 * catalog reports and metrics flushes per append, and listing latency.
 */
import { findRow, type RunResult } from "../results.ts";
import { num } from "./summary.ts";

const APPEND_WORKLOADS = ["seq-append", "concurrent-1-stream", "concurrent-64-streams"];
const LISTINGS = ["catalog-list-10k", "catalog-list-100k"];

/** Rows for docs/benchmarks.md (empty when the run had neither comparison nor listing). */
export function catalogCostSection(run: RunResult): string[] {
  const out: string[] = [];
  const pairs = APPEND_WORKLOADS.map((w) => ({
    w,
    on: findRow(run, w, "edge"),
    off: findRow(run, w, "edge-nocat"),
  })).filter((p) => p.on?.measurement && p.off?.measurement);
  if (pairs.length > 0) {
    out.push(
      'Append throughput with the catalog and durable metrics (`edge`) and without them (`edge-nocat`, the same Worker with `CATALOG_ENABLED="false"`), measured one after the other in this run; *cat* and *met* are catalog reports and metrics flushes per append (server counters).',
      "",
      "| workload | with catalog | without | with / without | cat / append | met / append |",
      "| --- | ---: | ---: | ---: | ---: | ---: |",
      ...pairs.map(({ w, on, off }) => {
        const a = on!.measurement!.throughput;
        const b = off!.measurement!.throughput;
        const c = on!.countersPerOp;
        return `| ${w} | ${num(a)} | ${num(b)} | ${((a / b) * 100).toFixed(0)}% | ${num(c?.catalogWrites)} | ${num(c?.metricsFlushes)} |`;
      }),
      "",
    );
  }
  const listed = LISTINGS.map((w) => findRow(run, w, "edge")).filter((r) => r?.measurement);
  if (listed.length > 0) {
    out.push(
      "| listing | pages timed | p50 ms | p99 ms |",
      "| --- | ---: | ---: | ---: |",
      ...listed.map((r) => {
        const m = r!.measurement!;
        return `| ${r!.workload} | ${num(m.latency.count)} | ${num(m.latency.median)} | ${num(m.latency.p99)} |`;
      }),
    );
  }
  return out;
}
