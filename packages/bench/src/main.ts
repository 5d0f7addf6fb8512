/**
 * `pnpm bench`: starts this project's Worker (workerd), the Node reference
 * server (in-memory and file-backed) and the no-op ceiling, runs every workload
 * against each, prints the table, and writes results/*.json (plus
 * docs/benchmarks.md and docs/bench/*.svg for full runs or with --docs).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, USAGE } from "./args.ts";
import { assumedInputs, withMeasured } from "./cost/inputs.ts";
import { costScenarios } from "./cost/scenarios.ts";
import { note } from "./progress.ts";
import { writeDocs } from "./report/write-docs.ts";
import { summaryLines } from "./report/summary.ts";
import { textTable } from "./report/table.ts";
import { findRow, type RunResult } from "./results.ts";
import { runAll } from "./runner.ts";
import { edgeSpec } from "./targets/edge.ts";
import { noopSpec } from "./targets/noop.ts";
import { referenceSpec } from "./targets/reference.ts";
import { WORKLOADS } from "./workloads/all.ts";
import { newestMtime } from "./source-watch.ts";

const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function version(pkg: string): string {
  try {
    const file = join(BENCH_DIR, "node_modules", pkg, "package.json");
    return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

function load(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(" / ");
}

function machine(loadAtStart: string): Record<string, string> {
  return {
    // Other processes on the machine (e.g. test suites) skew results; the load average says how busy it was.
    "load average (1/5/15 min) at start": loadAtStart,
    "load average (1/5/15 min) at end": load(),
    cpu: `${cpus()[0]?.model ?? "unknown"} × ${cpus().length}`,
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    os: `${process.platform} ${process.arch}`,
    node: process.version,
    wrangler: version("wrangler"),
    "@durable-streams/server": version("@durable-streams/server"),
    "@durable-streams/client": version("@durable-streams/client"),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) return void note(USAGE);
  const allSpecs = [
    edgeSpec(),
    edgeSpec({ catalog: false }),
    referenceSpec("memory"),
    referenceSpec("file"),
    noopSpec("worker"),
    noopSpec("do"),
    noopSpec("do-write"),
  ];
  // In the order given, so a comparison can be run both ways round (e.g. --targets=edge-nocat,edge).
  const specs = args.targets.length
    ? args.targets.flatMap((id) => allSpecs.filter((s) => s.id === id))
    : allSpecs;
  const workloads = args.workloads.length
    ? WORKLOADS.filter((w) => args.workloads.includes(w.id))
    : WORKLOADS.filter((w) => !w.optIn);
  if (specs.length === 0 || workloads.length === 0) throw new Error(`nothing to run\n\n${USAGE}`);
  const runId = `b${Date.now().toString(36)}`;
  const startedAt = new Date().toISOString();
  const loadAtStart = load();
  const serverSrc = join(BENCH_DIR, "../server/src");
  const srcAtStart = newestMtime(serverSrc);
  const t0 = performance.now();
  note(
    `durable-streams-edge bench ${runId} (${args.quick ? "quick" : "full"}): ${specs.length} targets × ${workloads.length} workloads`,
  );
  const { targets, rows } = await runAll({ specs, workloads, size: { quick: args.quick }, runId });

  // Only the working-tree mode is affected: by default the edge runs a snapshot.
  const srcChanged = process.env.BENCH_EDGE_LIVE === "1" && newestMtime(serverSrc) > srcAtStart;
  if (srcChanged)
    note("warning: packages/server/src changed during the run; wrangler dev reloaded the edge Worker");
  const partial = { rows };
  const inputs = withMeasured(
    assumedInputs(),
    findRow(partial, "seq-append", "edge")?.countersPerOp ?? null,
    findRow(partial, "live-long-poll-100", "edge")?.countersPerOp ?? null,
  );
  const command = `pnpm bench${args.quick ? " --quick" : ""}${args.targets.length ? ` --targets=${args.targets.join(",")}` : ""}${args.workloads.length ? ` --workloads=${args.workloads.join(",")}` : ""}`;
  const run: RunResult = {
    runId,
    startedAt,
    finishedAt: new Date().toISOString(),
    quick: args.quick,
    command,
    machine: {
      ...machine(loadAtStart),
      ...(srcChanged
        ? {
            warning:
              "packages/server/src was edited during this run: wrangler dev reloaded the edge Worker (dropping live connections, mixing versions); re-run on a quiet tree",
          }
        : {}),
    },
    targets,
    workloads: workloads.map(({ id, title, opUnit, throughputUnit, primary, skipReason }) => ({
      id,
      title,
      opUnit,
      throughputUnit,
      primary,
      ...(skipReason ? { skipReason } : {}),
    })),
    rows,
    cost: costScenarios(inputs),
  };

  note("\n" + textTable(summaryLines(run)) + "\n");
  for (const s of run.cost.scenarios) {
    note(`cost · ${s.title}: ${s.variants.map((v) => `${v.label} $${v.totalUsd.toFixed(2)}`).join(" | ")}`);
  }
  const resultsDir = join(BENCH_DIR, "results");
  mkdirSync(resultsDir, { recursive: true });
  const json = JSON.stringify(run, null, 2) + "\n";
  writeFileSync(join(resultsDir, `${args.quick ? "quick" : "full"}-latest.json`), json);
  note(`\nwrote packages/bench/results/${args.quick ? "quick" : "full"}-latest.json`);
  if (args.docs) {
    const charts = writeDocs(run);
    note(`wrote docs/benchmarks.md, docs/bench/results.json and ${charts} charts in docs/bench/`);
  }
  note(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  },
);
