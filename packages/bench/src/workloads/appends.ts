/**
 * Write workloads: sequential 100-byte appends, and 64 concurrent writers to one
 * stream or to 64 streams. These also run against the no-op ceiling targets,
 * which answer the same requests without doing any work.
 */
import { appendOnce, createStream, payload, pool, streamUrl, timed } from "../http.ts";
import { summarize, throughput } from "../stats.ts";
import type { Workload, WorkloadContext, WorkloadMeasurement } from "./types.ts";

const CT = "application/octet-stream";
const BODY = payload(100);
const WARMUP = 10;

interface AppendPlan {
  readonly writers: number;
  readonly streams: number;
  readonly appendsPerWriter: number;
  readonly budgetMs: number;
}

/** Creates the streams, warms each up, then runs the timed appends. */
async function runAppends(ctx: WorkloadContext, id: string, plan: AppendPlan): Promise<WorkloadMeasurement> {
  const urls = Array.from({ length: plan.streams }, (_, i) =>
    streamUrl(ctx.target.baseUrl, `${ctx.runId}-${id}-${i}`),
  );
  await Promise.all(urls.map((u) => createStream(u, CT)));
  // Warm-up (not measured): first requests pay for object start-up and JIT.
  await Promise.all(
    urls.map(async (u) => {
      for (let i = 0; i < Math.ceil(WARMUP / plan.streams) + 1; i++) await appendOnce(u, CT, BODY);
    }),
  );
  await ctx.measureFrom();
  const samples: number[] = [];
  const total = plan.writers * plan.appendsPerWriter;
  const start = performance.now();
  const deadline = Date.now() + plan.budgetMs;
  let lastReport = 0;
  const done = await pool(plan.writers, total, deadline, async (_i, w) => {
    samples.push(await timed(() => appendOnce(urls[w % urls.length]!, CT, BODY)));
    if (samples.length - lastReport >= Math.max(100, total / 10)) {
      lastReport = samples.length;
      ctx.progress(`${samples.length}/${total}`);
    }
  });
  const elapsedMs = performance.now() - start;
  const notes = done < total ? [`time budget hit after ${done}/${total} appends`] : [];
  return {
    ops: done,
    elapsedMs,
    throughput: throughput(done, elapsedMs),
    latency: summarize(samples),
    requests: done,
    notes,
  };
}

const ALL_KINDS = ["edge", "baseline", "reference", "ceiling"] as const;

/** N sequential 100-byte appends to one stream: pure per-request latency. */
export const sequentialAppends: Workload = {
  id: "seq-append",
  title: "Sequential 100-byte appends (1 writer, 1 stream)",
  opUnit: "append",
  throughputUnit: "ops/s",
  primary: "latency",
  kinds: ALL_KINDS,
  run: (ctx) =>
    runAppends(ctx, "seq", {
      writers: 1,
      streams: 1,
      appendsPerWriter: ctx.size.quick ? 200 : 2000,
      budgetMs: ctx.size.quick ? 8_000 : 40_000,
    }),
};

/** 64 concurrent writers appending 100 bytes to the same stream: the sequencer under contention. */
export const concurrentOneStream: Workload = {
  id: "concurrent-1-stream",
  title: "64 concurrent writers → 1 stream (100 B appends)",
  opUnit: "append",
  throughputUnit: "ops/s",
  primary: "throughput",
  kinds: ALL_KINDS,
  run: (ctx) =>
    runAppends(ctx, "c1", {
      writers: 64,
      streams: 1,
      appendsPerWriter: ctx.size.quick ? 5 : 50,
      budgetMs: ctx.size.quick ? 8_000 : 40_000,
    }),
};

/** 64 concurrent writers, one stream each: scale-out across Durable Objects. */
export const concurrentManyStreams: Workload = {
  id: "concurrent-64-streams",
  title: "64 concurrent writers → 64 streams (100 B appends)",
  opUnit: "append",
  throughputUnit: "ops/s",
  primary: "throughput",
  kinds: ALL_KINDS,
  run: (ctx) =>
    runAppends(ctx, "c64", {
      writers: 64,
      streams: 64,
      appendsPerWriter: ctx.size.quick ? 5 : 50,
      budgetMs: ctx.size.quick ? 8_000 : 40_000,
    }),
};
