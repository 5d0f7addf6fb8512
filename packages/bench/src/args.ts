/** Command-line options of `pnpm bench`. */

/** Parsed options. */
export interface BenchArgs {
  readonly quick: boolean;
  /** Target ids to run (all when empty). */
  readonly targets: readonly string[];
  /** Workload ids to run (all when empty). */
  readonly workloads: readonly string[];
  /** Write docs/benchmarks.md and docs/bench/*.svg (default: full runs only). */
  readonly docs: boolean;
  readonly help: boolean;
}

/** Usage text printed by --help. */
export const USAGE = `pnpm bench [--quick] [--targets=a,b] [--workloads=x,y] [--docs|--no-docs]

  --quick          smaller counts (whole run under 2 minutes)
  --targets=...    subset of: edge, edge-nocat, ref-memory, ref-file, noop-worker, noop-do, noop-do-write
  --workloads=...  subset of workload ids (see docs/benchmarks.md)
  --docs           also write docs/benchmarks.md + charts (default for full runs)
  --no-docs        only write packages/bench/results/*.json
env: BENCH_METRICS_PATH (default /v1/metrics), BENCH_METRICS_TOKEN`;

function list(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Parses argv (without node and script); throws with the usage text on an unknown flag. */
export function parseArgs(argv: readonly string[]): BenchArgs {
  let quick = false;
  let docs: boolean | undefined;
  let help = false;
  let targets: string[] = [];
  let workloads: string[] = [];
  for (const arg of argv) {
    if (arg === "--") continue;
    else if (arg === "--quick") quick = true;
    else if (arg === "--docs") docs = true;
    else if (arg === "--no-docs") docs = false;
    else if (arg === "--help" || arg === "-h") help = true;
    else if (arg.startsWith("--targets=")) targets = list(arg.slice(10));
    else if (arg.startsWith("--workloads=")) workloads = list(arg.slice(12));
    else throw new Error(`unknown option ${arg}\n\n${USAGE}`);
  }
  return { quick, targets, workloads, docs: docs ?? !quick, help };
}
