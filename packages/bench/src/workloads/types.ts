/** The workload contract: every workload runs the same way against every target. */
import type { Counters, StreamReadings } from "../counters.ts";
import type { LatencySummary } from "../stats.ts";
import type { Target, TargetKind } from "../targets/types.ts";

/** Sizes for a run: `quick` keeps the whole run under 2 minutes. */
export interface RunSize {
  readonly quick: boolean;
}

/** What a workload gets for one target. */
export interface WorkloadContext {
  readonly target: Target;
  readonly size: RunSize;
  /** Unique per run, so stream names never collide with earlier runs on a persistent server. */
  readonly runId: string;
  /** Progress detail inside a long workload (printed on the same progress line). */
  readonly progress: (detail: string) => void;
  /**
   * Marks the end of setup: server counters are read now and again when the
   * workload returns. Without a call, setup is counted too. Returns the readings.
   */
  measureFrom(): Promise<CounterReadings>;
}

/** Server counters at one moment: the Worker's, and each stream's used so far. */
export interface CounterReadings {
  readonly edge: Counters | null;
  readonly streams: StreamReadings;
}

/** What one workload measured on one target. */
export interface WorkloadMeasurement {
  /** Operations measured (appends, messages, deliveries, bytes read in MB). */
  readonly ops: number;
  readonly elapsedMs: number;
  /** ops/s, msg/s or MB/s, per `Workload.throughputUnit`. */
  readonly throughput: number;
  /** Per-operation latency in ms: request round trip, or append→delivery for live reads. */
  readonly latency: LatencySummary;
  /** HTTP requests the bench sent during the measured part (each is one Worker request on the edge). */
  readonly requests: number;
  /** Things a reader of the table should know (e.g. "3 deliveries missed"). */
  readonly notes: string[];
  /** Live workloads on a server with counters: what one append cost the stream's Durable Object. */
  readonly perAppend?: PerAppend;
}

/** Server work per append in a live-delivery workload, from the server's counters. */
export interface PerAppend {
  readonly readers: number;
  readonly appends: number;
  /** Requests this stream's Durable Object received per append (counted by the Worker). */
  readonly doRequests: number;
  /** Feed messages the Durable Object sent per append (one per edge isolate holding readers). */
  readonly feedFrames: number;
  /** Worker requests per append (readers' re-polls included). */
  readonly workerRequests: number;
}

/** A benchmark workload. */
export interface Workload {
  readonly id: string;
  readonly title: string;
  /** What one "op" is, e.g. "append", "message", "delivery", "MB". */
  readonly opUnit: string;
  readonly throughputUnit: "ops/s" | "msg/s" | "MB/s" | "deliveries/s";
  /** Which figure the chart and the ratio use. */
  readonly primary: "throughput" | "latency";
  /** Target kinds this workload can run against (the no-op ceiling only supports writes). */
  readonly kinds: readonly TargetKind[];
  /** Time limit per run when the default (30 s quick, 150 s full) is too short for its set-up. */
  readonly limitMs?: { readonly quick: number; readonly full: number };
  /** Runs only when named in --workloads (too slow, or not runnable here, for every run). */
  readonly optIn?: string;
  /** When set, the workload is listed but skipped with this reason. */
  readonly skipReason?: string;
  run(ctx: WorkloadContext): Promise<WorkloadMeasurement>;
}
