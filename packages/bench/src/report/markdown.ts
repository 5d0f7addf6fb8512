/**
 * docs/benchmarks.md, generated from one run's results: how to reproduce it,
 * what ran, the table, the charts, the counts, and the cost model. Everything
 * in it comes from the run or from the price/assumption tables; nothing is
 * typed in by hand, so re-running the bench rewrites it consistently.
 */
import { PRICES } from "../cost/prices.ts";
import type { RunResult } from "../results.ts";
import type { ChartFile } from "./charts.ts";
import { num, summaryLines, type SummaryLine } from "./summary.ts";
import { markdownTable } from "./table.ts";
import { catalogCostSection } from "./catalog-cost.ts";

// Fixed text: why local numbers look the way they do. No figures here, only in the generated parts.
const CAVEATS = [
  "- **Local dev, not production.** The Worker runs under `wrangler dev`: every request passes wrangler's own proxy Worker, and the runtime reports each request to wrangler over the inspector protocol. The no-op ceiling rows pay exactly the same overhead, which is why edge figures are also given as a fraction of the ceiling: that fraction is what this project's code costs on top of the platform here. In production the proxy and the inspector are absent and Durable Objects run on other machines.",
  "- **One machine, one load generator.** Latencies include the bench's own client work (the same for every target); with 1,000 live readers the load generator's event loop is part of what is measured.",
  "- **Shared machine.** The load averages above say how busy the machine was; other processes (test suites, other servers) make results noisy, the concurrent rows most. Compare rows of one run, not across runs.",
  "- **Catch-up reads.** This project serves at most `MAX_READ_BYTES` per response (1 MiB by default) so that responses stay cacheable by a CDN; the reference server returns the whole stream in one response. *req/op* shows the difference.",
  "- **Counts per operation** come only from the server's counters: `GET /v1/metrics` (Worker requests and the StreamDO requests the Worker made) and `GET /v1/metrics/stream/<name>` (rows the stream's Durable Object read and wrote, feed frames it sent). The reference server has none, so its cells are n/a. Counters are read after each workload's setup, so setup is not counted.",
  "- **Ceiling** is measured for the write workloads (the no-op Worker→DO round trip with the same requests); reads and live delivery have no no-op equivalent yet, so their % ceiling is —. **Floor** is that round trip with the object storing each body as one SQLite row before it answers: the least a durable append can cost here. A durable append cannot reach the no-op ceiling; % floor says how close this project's Worker comes to the least it could cost.",
];

function usd(n: number): string {
  return n >= 100 ? `$${Math.round(n).toLocaleString("en-US")}` : `$${n.toFixed(2)}`;
}

function section(title: string, body: string[]): string[] {
  return [`## ${title}`, "", ...body, ""];
}

function costSection(run: RunResult, charts: readonly ChartFile[]): string[] {
  const c = run.cost;
  const out: string[] = [
    `Monthly (30-day) marginal cost at Cloudflare list prices taken on **${c.pricesDate}** (table below; included allowances and the $5 plan minimum are not deducted). Inputs marked *assumed* come from the design and are replaced by measured per-operation counts when the server exposes its counters.`,
    "",
    "| scenario | " + c.scenarios[0]!.variants.map((v) => v.label).join(" | ") + " |",
    "| --- | " + c.scenarios[0]!.variants.map(() => "---:").join(" | ") + " |",
    ...c.scenarios.map(
      (s) =>
        `| ${s.title} | ${s.variants.map((v) => usd(v.totalUsd) + (v.note ? ` (${v.note})` : "")).join(" | ")} |`,
    ),
    "",
  ];
  for (const s of c.scenarios) {
    const chart = charts.find((ch) => ch.file === `cost-${s.id}.svg`);
    out.push(`### ${s.title}`, "", s.description, "");
    if (chart) out.push(`![${chart.title}](bench/${chart.file})`, "");
    out.push("| line item | " + s.variants.map((v) => v.label).join(" | ") + " |");
    out.push("| --- | " + s.variants.map(() => "---:").join(" | ") + " |");
    const keys = [...new Set(s.variants.flatMap((v) => v.lines.map((l) => l.key)))];
    for (const k of keys) {
      const cell = (v: (typeof s.variants)[number]) => {
        const l = v.lines.find((x) => x.key === k);
        return l ? `${num(l.quantity)} → ${usd(l.usd)}` : "—";
      };
      out.push(`| ${PRICES[k].unit} | ${s.variants.map(cell).join(" | ")} |`);
    }
    out.push(`| **total / month** | ${s.variants.map((v) => `**${usd(v.totalUsd)}**`).join(" | ")} |`, "");
  }
  out.push("### Model inputs", "", "| input | value | source | why |", "| --- | ---: | --- | --- |");
  for (const [k, v] of Object.entries(c.inputs))
    out.push(`| ${k} | ${num(v.value)} | ${v.source} | ${v.why} |`);
  out.push("", `### Price table (${c.pricesDate})`, "");
  out.push(
    "Cloudflare's published Workers Paid prices as known on that date; **check them before quoting**. Source of truth in code: `packages/bench/src/cost/prices.ts`.",
    "",
  );
  out.push(
    "| unit | USD | per | included per month (not deducted) | source |",
    "| --- | ---: | ---: | --- | --- |",
  );
  for (const p of Object.values(PRICES))
    out.push(`| ${p.unit} | ${p.usd} | ${num(p.per)} | ${p.included} | ${p.source} |`);
  return out;
}

/** Live workloads: what one append cost the StreamDO, by number of readers. */
function liveCostSection(run: RunResult): string[] {
  const rows = run.rows.filter((r) => r.measurement?.perAppend);
  if (rows.length === 0) return ["No live workload ran against a server with counters."];
  return [
    "Per append, on the edge Worker: requests the stream's Durable Object received (the append itself, plus any read the feed could not answer), feed messages it sent (one per edge isolate holding readers; `wrangler dev` runs one isolate), and Worker requests (the append plus the long-poll readers' re-polls). The design bound is at most 2 DO requests and at most isolates + 1 feed messages per append, whatever the number of readers.",
    "",
    "| workload | readers | appends | DO requests / append | feed messages / append | Worker requests / append | p50 ms | p99 ms |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((r) => {
      const m = r.measurement!;
      const p = m.perAppend!;
      return `| ${r.workload} | ${num(p.readers)} | ${num(p.appends)} | ${num(p.doRequests)} | ${num(p.feedFrames)} | ${num(p.workerRequests)} | ${num(m.latency.median)} | ${num(m.latency.p99)} |`;
    }),
  ];
}

function notesList(lines: readonly SummaryLine[]): string[] {
  const noted = lines.filter((l) => l.notes.length > 0);
  if (noted.length === 0) return [];
  return [
    "",
    "Notes recorded during the run:",
    "",
    ...noted.map((l) => `- \`${l.workload.id}\` · ${l.targetLabel}: ${l.notes.join("; ")}`),
  ];
}

/** Renders the whole document. */
export function renderMarkdown(run: RunResult, charts: readonly ChartFile[]): string {
  const lines = summaryLines(run);
  const errors = lines.filter((l) => l.status === "error");
  const doc: string[] = [
    "# Benchmarks",
    "",
    `Generated by \`packages/bench\` from the run \`${run.runId}\` (${run.quick ? "**quick mode**" : "full mode"}), ${run.startedAt} → ${run.finishedAt}. Do not edit by hand: re-run the command below.`,
    "",
    "```sh",
    "pnpm install",
    `${run.command}   # at the repo root; same as: pnpm --filter @durable-streams-edge/bench ${run.command.slice(5)}`,
    "```",
    "",
    ...section("Machine and targets", [
      ...Object.entries(run.machine).map(([k, v]) => `- ${k}: ${v}`),
      "",
      "| target | what runs |",
      "| --- | --- |",
      ...run.targets.map(
        (t) =>
          `| ${t.label} | ${t.description}${t.startError ? ` — **did not start:** ${t.startError}` : ""} |`,
      ),
      "",
      "Everything runs on this one machine over loopback: the load generator (one Node process), and each server in its own process. Targets run one after another, never at the same time. Numbers are local-dev numbers: they compare implementations on equal hardware, they are not production latencies.",
    ]),
    ...section("Results", [
      "*throughput* is the workload's rate; *p50/p99* are per operation (request round trip, or append→delivery for live readers). *vs ref* is how many times faster than the Node reference server (> 1× = faster; throughput ratio, or inverse latency ratio for latency workloads). *% ceiling* is this project's Worker as a fraction of the no-op Worker→Durable Object round trip measured with the same workload; *% floor* the same against that round trip storing one SQLite row per request. *req/op* counts HTTP requests the bench sent per operation. *server counts/op* come from the server's own counters (W = Worker requests, DO = StreamDO requests, rd/wr = SQLite rows read/written, A/B = R2 class A/B operations); n/a = the server does not expose counters (yet).",
      "",
      markdownTable(lines),
      ...notesList(lines),
      ...(errors.length
        ? [
            "",
            `**${errors.length} row(s) failed** — the error text is in the table; the rest of the run went on.`,
          ]
        : []),
    ]),
    ...section("Live delivery: server work per append", liveCostSection(run)),
    ...(catalogCostSection(run).length
      ? section("Catalog and metrics: cost per append, listing latency", catalogCostSection(run))
      : []),
    ...section(
      "Charts",
      charts
        .filter((c) => !c.file.startsWith("cost-"))
        .flatMap((c) => [`![${c.title}](bench/${c.file})`, ""]),
    ),
    ...section("How to read these numbers", CAVEATS),
    ...section(
      "Workloads",
      run.workloads.map(
        (w) => `- \`${w.id}\` — ${w.title}${w.skipReason ? ` (skipped: ${w.skipReason})` : ""}`,
      ),
    ),
    ...section("Cost model", costSection(run, charts)),
  ];
  return doc.join("\n").replace(/\n{3,}/g, "\n\n");
}
