/** The results table, as aligned text for the terminal and as Markdown for the docs. */
import { formatCounters, num, pct, ratio, type SummaryLine } from "./summary.ts";

const HEADERS = [
  "workload",
  "target",
  "throughput",
  "p50 ms",
  "p99 ms",
  "vs ref mem",
  "vs ref file",
  "% ceiling",
  "% floor",
  "req/op",
  "server counts/op",
];

function cells(l: SummaryLine): string[] {
  if (l.status !== "ok") {
    const why = l.status === "skipped" ? `skipped: ${l.error ?? ""}` : `ERROR: ${l.error ?? ""}`;
    return [l.workload.id, l.targetLabel, why, "", "", "", "", "", "", "", ""];
  }
  return [
    l.workload.id,
    l.targetLabel,
    `${num(l.throughput)} ${l.workload.throughputUnit}`,
    num(l.median),
    num(l.p99),
    ratio(l.vsRefMemory),
    ratio(l.vsRefFile),
    pct(l.ofCeiling),
    pct(l.ofFloor),
    num(l.requestsPerOp),
    formatCounters(l.counters),
  ];
}

/** Renders the table as fixed-width text (error text is allowed to overflow its column). */
export function textTable(lines: readonly SummaryLine[]): string {
  const rows = [HEADERS, ...lines.map(cells)];
  const widths = HEADERS.map((_, c) =>
    Math.max(...rows.filter((r) => r[3] !== "" || c < 2).map((r) => r[c]!.length)),
  );
  const out: string[] = [];
  let last = "";
  for (const [i, r] of rows.entries()) {
    if (i > 1 && r[0] !== last) out.push("");
    last = r[0]!;
    out.push(
      r
        .map((cell, c) =>
          c >= 2 && c <= 9 && r[3] !== "" ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!),
        )
        .join("  ")
        .trimEnd(),
    );
  }
  return out.join("\n");
}

function md(s: string): string {
  return s.replace(/\|/g, "\\|");
}

/** Renders the table as GitHub Markdown. */
export function markdownTable(lines: readonly SummaryLine[]): string {
  const out = [
    `| ${HEADERS.join(" | ")} |`,
    `|${HEADERS.map((_, c) => (c >= 2 && c <= 9 ? " ---: " : " --- ")).join("|")}|`,
  ];
  for (const l of lines) out.push(`| ${cells(l).map(md).join(" | ")} |`);
  return out.join("\n");
}
