/**
 * Runs every workload against every target, one (workload, target) at a time so
 * measurements never overlap. A failing target or workload becomes an error row
 * and the run goes on: the server is being built while this bench exists.
 */
import { proxyRetryCount } from "./client.ts";
import {
  countersPerOp,
  fetchAllStreamCounters,
  fetchCounters,
  mergePerOp,
  rowsPerOp,
  type Counters,
  type StreamReadings,
} from "./counters.ts";
import { appendOnce, createStream, forgetStreams, sleep, streamsUsed, streamUrl } from "./http.ts";
import { step, note } from "./progress.ts";
import type { RowResult, TargetInfo } from "./results.ts";
import type { Target, TargetSpec } from "./targets/types.ts";
import type { RunSize, Workload } from "./workloads/types.ts";

/** Options for one run. */
export interface RunOptions {
  readonly specs: readonly TargetSpec[];
  readonly workloads: readonly Workload[];
  readonly size: RunSize;
  readonly runId: string;
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what} exceeded its ${ms / 1000} s limit`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Warms every started target up before anything is measured: servers that were
 * just started are still compiling hot paths (and wrangler is settling), which
 * otherwise lands on whichever workload runs first.
 */
async function warmUp(started: Map<string, Target>): Promise<void> {
  for (const [id, target] of started) {
    try {
      const url = streamUrl(target.baseUrl, `warmup-${Date.now().toString(36)}`);
      await createStream(url, "application/octet-stream");
      for (let i = 0; i < 100; i++) await appendOnce(url, "application/octet-stream", "warm-up");
    } catch (e) {
      note(`warm-up of ${id} failed: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  await sleep(1_000);
}

/** Starts the targets (recording failures), runs the workloads, stops the targets. */
export async function runAll(opts: RunOptions): Promise<{ targets: TargetInfo[]; rows: RowResult[] }> {
  const started = new Map<string, Target>();
  const targets: TargetInfo[] = [];
  for (const spec of opts.specs) {
    const info = { id: spec.id, label: spec.label, kind: spec.kind, description: spec.description };
    const t0 = performance.now();
    try {
      started.set(spec.id, await spec.start());
      targets.push(info);
      note(`started ${spec.label} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (e) {
      const msg = (e as Error).message.split("\n")[0]!;
      targets.push({ ...info, startError: msg });
      note(`could not start ${spec.label}: ${msg}`);
    }
  }
  await warmUp(started);
  const rows: RowResult[] = [];
  const pairs = opts.workloads.flatMap((w) =>
    opts.specs.filter((s) => w.kinds.includes(s.kind)).map((s) => [w, s] as const),
  );
  let index = 0;
  try {
    for (const [workload, spec] of pairs) {
      const progress = step(++index, pairs.length, `${workload.id} · ${spec.label}`);
      const target = started.get(spec.id);
      const base = { workload: workload.id, target: spec.id };
      if (workload.skipReason) {
        rows.push({ ...base, status: "skipped", error: workload.skipReason });
        progress.done(`skipped: ${workload.skipReason}`);
        continue;
      }
      if (!target) {
        rows.push({ ...base, status: "error", error: "target did not start" });
        progress.done("error: target did not start");
        continue;
      }
      try {
        // Counters are read when the measured part starts (the workload says when
        // with measureFrom, after its setup) and when the workload returns.
        forgetStreams(target.baseUrl);
        let before = await fetchCounters(target.metricsUrl);
        let streamsBefore: StreamReadings = new Map();
        const limitMs =
          workload.limitMs?.[opts.size.quick ? "quick" : "full"] ?? (opts.size.quick ? 30_000 : 150_000);
        const ctx = {
          target,
          size: opts.size,
          runId: opts.runId,
          progress: (d: string) => progress.detail(d),
          async measureFrom() {
            before = await fetchCounters(target.metricsUrl);
            streamsBefore = await fetchAllStreamCounters(target.metricsUrl, streamsUsed(target.baseUrl));
            return { edge: before, streams: streamsBefore };
          },
        };
        const retriesBefore = proxyRetryCount();
        const run = await withTimeout(workload.run(ctx), limitMs, workload.id);
        const retries = proxyRetryCount() - retriesBefore;
        const m = retries
          ? { ...run, notes: [...run.notes, `${retries} request(s) retried after wrangler dev proxy 503`] }
          : run;
        const after = await fetchCounters(target.metricsUrl);
        const streamsAfter = await fetchAllStreamCounters(target.metricsUrl, streamsUsed(target.baseUrl));
        const edge = countersPerOp(before, after, m.ops);
        const rowCounts = rowsPerOp(streamsBefore, streamsAfter, m.ops);
        const perOp: Counters | null = mergePerOp(edge, rowCounts);
        rows.push({ ...base, status: "ok", measurement: m, countersPerOp: perOp });
        const lat = `p50 ${fmt(m.latency.median)} ms, p99 ${fmt(m.latency.p99)} ms`;
        progress.done(
          `${fmt(m.throughput)} ${workload.throughputUnit}, ${lat}${m.notes.length ? ` — ${m.notes[0]}` : ""}`,
        );
      } catch (e) {
        const msg = (e as Error).message.split("\n")[0]!.slice(0, 300);
        rows.push({ ...base, status: "error", error: msg });
        progress.done(`error: ${msg}`);
      }
    }
  } finally {
    for (const [id, target] of started) {
      await target.stop().catch((e: unknown) => note(`stopping ${id}: ${(e as Error).message}`));
    }
  }
  return { targets, rows };
}
