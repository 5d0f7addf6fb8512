/**
 * Append→delivery latency with 1, 100 and 1,000 live readers (long-poll, SSE),
 * and with 150 SSE + 150 long-poll readers of one stream at once (`mixed`):
 * once with every reader parked before each append, once with appends at a
 * steady 20 per second whether or not the readers are back (`-busy`), so that
 * long-poll readers are often between polls when data arrives.
 * Each round: wait until every reader is parked at the tail, append one tagged
 * 100-byte message, and time until each reader has it. Client and readers share
 * this process's clock, so the figure includes the bench's own parsing cost
 * (identical for every target).
 */
import { fetchCounters, fetchStreamCounters, streamDelta } from "../counters.ts";
import { appendOnce, createStream, payload, sleep, streamUrl, waitFor } from "../http.ts";
import { summarize, throughput } from "../stats.ts";
import { longPollReader, sseReader, type LiveReader } from "./live-readers.ts";
import type { CounterReadings, PerAppend, Workload, WorkloadContext, WorkloadMeasurement } from "./types.ts";

const CT = "text/plain";

/** Long-poll readers, SSE readers, or half of each (the first half long-poll). */
type Mode = "long-poll" | "sse" | "mixed";

async function runLive(
  ctx: WorkloadContext,
  mode: Mode,
  n: number,
  rounds: number,
  everyMs?: number,
): Promise<WorkloadMeasurement> {
  const name = `${ctx.runId}-${mode}-${n}${everyMs ? "-busy" : ""}`;
  const url = streamUrl(ctx.target.baseUrl, name);
  await createStream(url, CT);
  const tail = await appendOnce(url, CT, payload(100, "warmup;"));
  const sentAt: number[] = [];
  const got: number[] = new Array<number>(rounds).fill(0);
  const samples: number[] = [];
  /** The same samples by reader kind (reported apart for `mixed`). */
  const byKind = { "long-poll": [] as number[], sse: [] as number[] };
  const onRound = (k: number, kind: "long-poll" | "sse") => {
    if (sentAt[k] === undefined) return;
    const ms = performance.now() - sentAt[k]!;
    samples.push(ms);
    byKind[kind].push(ms);
    got[k] = (got[k] ?? 0) + 1;
  };
  const polling = mode === "long-poll" ? n : mode === "mixed" ? Math.floor(n / 2) : 0;
  // Each reader counts a round once, even if a re-opened connection delivers it again.
  const readers: LiveReader[] = Array.from({ length: n }, (_, i) => {
    const seen = new Set<number>();
    const kind = i < polling ? "long-poll" : "sse";
    const start = kind === "long-poll" ? longPollReader : sseReader;
    return start(url, tail, (k) => {
      if (seen.has(k)) return;
      seen.add(k);
      onRound(k, kind);
    });
  });
  const settleMs = n >= 1000 ? 300 : n >= 100 ? 100 : 20;
  const notes: string[] = [];
  const made = () => readers.reduce((sum, r) => sum + r.requests, 0);
  // Counters from the moment every reader is parked: only the rounds are counted.
  await waitFor(() => readers.every((r) => r.armed || r.error), ctx.size.quick ? 5_000 : 10_000);
  const counted = await ctx.measureFrom();
  const t0 = performance.now();
  const before = made();
  let after = before;
  const budgetMs = ctx.size.quick ? 12_000 : 60_000;
  // Waits are bounded per round so one stuck round cannot eat the whole run.
  const waitMs = ctx.size.quick ? 5_000 : 10_000;
  try {
    for (let k = 0; k < rounds; k++) {
      if (performance.now() - t0 > budgetMs) {
        notes.push(`time budget hit after ${k}/${rounds} rounds`);
        rounds = k;
        break;
      }
      const failed = readers.find((r) => r.error);
      if (failed) throw failed.error!;
      if (everyMs) {
        // Steady rate: the next append is due `everyMs` after the previous one was sent.
        if (k > 0) await sleep(Math.max(0, sentAt[k - 1]! + everyMs - performance.now()));
      } else {
        const ready = await waitFor(() => readers.every((r) => r.armed || r.error), waitMs);
        if (!ready) notes.push(`round ${k}: not all readers parked after ${waitMs / 1000} s`);
        await sleep(settleMs);
      }
      sentAt[k] = performance.now();
      await appendOnce(url, CT, payload(100, `r${k};`));
      if (!everyMs && !(await waitFor(() => got[k]! >= n, waitMs)))
        notes.push(`round ${k}: ${n - got[k]!} of ${n} readers missed it (${waitMs / 1000} s)`);
      ctx.progress(`round ${k + 1}/${rounds}`);
    }
    if (everyMs) {
      const all = await waitFor(() => got.every((g) => g >= n), waitMs);
      if (!all) notes.push(`not every reader had every round ${waitMs / 1000} s after the last append`);
    }
    after = made();
  } finally {
    readers.forEach((r) => r.stop());
  }
  // The appends, the polls and SSE connections made while measuring, and the SSE connections held.
  const requests = rounds + (after - before) + (n - polling);
  const dropped = readers.reduce((sum, r) => sum + r.dropped, 0);
  if (dropped > 0) notes.unshift(`${dropped} reader connection(s) dropped by the server and re-opened`);
  const elapsedMs = performance.now() - t0;
  const perAppend = await costPerAppend(ctx, name, n, rounds, counted);
  if (samples.length === 0) throw new Error("no deliveries observed");
  if (mode === "mixed") {
    for (const kind of ["sse", "long-poll"] as const) {
      const s = summarize(byKind[kind]);
      notes.push(`${kind} readers: p50 ${s.median.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms`);
    }
  }
  const missed = n * rounds - samples.length;
  if (missed > 0) notes.push(`${missed} of ${n * rounds} deliveries missed`);
  return {
    ops: samples.length,
    elapsedMs,
    throughput: throughput(samples.length, elapsedMs),
    latency: summarize(samples),
    requests,
    notes: notes.slice(0, 5),
    ...(perAppend ? { perAppend } : {}),
  };
}

/** What each append cost the server, from its counters; undefined for servers without them. */
async function costPerAppend(
  ctx: WorkloadContext,
  name: string,
  readers: number,
  appends: number,
  start: CounterReadings,
): Promise<PerAppend | undefined> {
  const edge1 = await fetchCounters(ctx.target.metricsUrl);
  const stream1 = await fetchStreamCounters(ctx.target.metricsUrl, name);
  const edge0 = start.edge;
  if (!edge0 || !edge1 || !stream1 || appends === 0) return undefined;
  const diff = (k: "doRequests" | "workerRequests") => ((edge1[k] ?? 0) - (edge0[k] ?? 0)) / appends;
  return {
    readers,
    appends,
    doRequests: diff("doRequests"),
    feedFrames: streamDelta(start.streams.get(name), stream1).framesSent / appends,
    workerRequests: diff("workerRequests"),
  };
}

function liveWorkload(
  mode: Mode,
  n: number,
  rounds: { quick: number; full: number },
  everyMs?: number,
): Workload {
  const who =
    mode === "mixed"
      ? `${n / 2} SSE + ${n / 2} long-poll readers`
      : `${n.toLocaleString("en-US")} ${mode === "sse" ? "SSE" : "long-poll"} reader${n > 1 ? "s" : ""}`;
  return {
    id: `live-${mode}-${n}${everyMs ? "-busy" : ""}`,
    title: `Append→delivery latency, ${who}${everyMs ? `, ${1000 / everyMs} appends/s` : ""}`,
    opUnit: "delivery",
    throughputUnit: "deliveries/s",
    primary: "latency",
    kinds: ["edge", "reference"],
    run: (ctx) => runLive(ctx, mode, n, ctx.size.quick ? rounds.quick : rounds.full, everyMs),
  };
}

/** The live-latency workloads, smallest first. */
export const liveWorkloads: readonly Workload[] = [
  liveWorkload("long-poll", 1, { quick: 10, full: 100 }),
  liveWorkload("long-poll", 10, { quick: 6, full: 50 }),
  liveWorkload("long-poll", 100, { quick: 4, full: 30 }),
  liveWorkload("long-poll", 1000, { quick: 2, full: 15 }),
  liveWorkload("sse", 1, { quick: 10, full: 100 }),
  liveWorkload("sse", 10, { quick: 6, full: 50 }),
  liveWorkload("sse", 100, { quick: 4, full: 30 }),
  liveWorkload("sse", 1000, { quick: 2, full: 15 }),
  liveWorkload("mixed", 300, { quick: 4, full: 30 }),
  liveWorkload("mixed", 300, { quick: 20, full: 200 }, 50),
];
