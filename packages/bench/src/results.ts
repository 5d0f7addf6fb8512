/** The shape of a run's results, written as JSON and read by the report writers. */
import type { Counters } from "./counters.ts";
import type { CostReport } from "./cost/scenarios.ts";
import type { TargetKind } from "./targets/types.ts";
import type { Workload, WorkloadMeasurement } from "./workloads/types.ts";

/** One (workload, target) cell. */
export interface RowResult {
  readonly workload: string;
  readonly target: string;
  readonly status: "ok" | "error" | "skipped";
  readonly error?: string;
  readonly measurement?: WorkloadMeasurement;
  /** Server-side counts per op from the server's counters; null = the server exposes none ("n/a"). */
  readonly countersPerOp?: Counters | null;
}

/** Target as recorded in the results. */
export interface TargetInfo {
  readonly id: string;
  readonly label: string;
  readonly kind: TargetKind;
  readonly description: string;
  readonly startError?: string;
}

/** Workload as recorded in the results. */
export type WorkloadInfo = Pick<
  Workload,
  "id" | "title" | "opUnit" | "throughputUnit" | "primary" | "skipReason"
>;

/** Everything one run produced. */
export interface RunResult {
  readonly runId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly quick: boolean;
  readonly command: string;
  readonly machine: Record<string, string>;
  readonly targets: readonly TargetInfo[];
  readonly workloads: readonly WorkloadInfo[];
  readonly rows: readonly RowResult[];
  readonly cost: CostReport;
}

/** Finds the row for a workload/target pair. */
export function findRow(
  run: Pick<RunResult, "rows">,
  workload: string,
  target: string,
): RowResult | undefined {
  return run.rows.find((r) => r.workload === workload && r.target === target);
}
