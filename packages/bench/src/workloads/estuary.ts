/**
 * Estuary fan-out: publish once to a source stream, time until the message is
 * visible in each of N session streams (1, 100, 1,000 subscribers). Every
 * session stream has an SSE reader; a delivery's latency is publish → that
 * reader's data event. The notes carry the server's own fan-out counts per
 * publish (session-stream appends, queue messages and batches, calls the
 * queue consumer made to the source StreamDO) from the source's own counters
 * (GET /v1/metrics/stream/<source>) and the edge's batches (GET /v1/metrics). The
 * reference server has no estuary, so only the edge target runs it.
 */
import { request } from "../client.ts";
import { appendOnce, createStream, expectOk, sleep, streamUrl, waitFor } from "../http.ts";
import { summarize, throughput } from "../stats.ts";
import { sseReader, type LiveReader } from "./live-readers.ts";
import type { Workload, WorkloadContext, WorkloadMeasurement } from "./types.ts";

const CT = "application/json";
const SUBSCRIBE_CONCURRENCY = 16;

async function getJson(url: string): Promise<Record<string, unknown> | null> {
  try {
    const res = await request(url);
    return res.status === 200 ? (JSON.parse(res.body.toString("utf8")) as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * The fan-out's counts: the source StreamDO's own (`fanout`, which includes
 * what the queue consumer reported back) plus the batches the edge isolate's
 * consumer handled. The object's counters are read from the object: on
 * Cloudflare it runs in another isolate than the edge.
 */
async function serverCounts(baseUrl: string, source: string): Promise<Record<string, number> | null> {
  const own = await getJson(`${baseUrl}/v1/metrics/stream/${encodeURIComponent(source)}`);
  const edge = await getJson(`${baseUrl}/v1/metrics`);
  if (!own || !edge) return null;
  return {
    ...(own.fanout as Record<string, number>),
    constructedAt: own.constructedAt as number,
    queueBatches: (edge.estuaryQueueBatches as number) ?? 0,
    consumerCalls: (edge.estuarySourceCalls as number) ?? 0,
  };
}

async function subscribeAll(ctx: WorkloadContext, source: string, sessions: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < sessions.length) {
      const id = sessions[next++]!;
      const res = await request(`${ctx.target.baseUrl}/v1/estuary/subscribe/${encodeURIComponent(source)}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ estuaryId: id, ttlSeconds: 3600 }),
      });
      expectOk(res, `subscribe ${id}`);
      if (next % 50 === 0) ctx.progress(`subscribed ${next}/${sessions.length}`);
    }
  };
  await Promise.all(Array.from({ length: SUBSCRIBE_CONCURRENCY }, worker));
}

async function runFanOut(ctx: WorkloadContext, n: number, rounds: number): Promise<WorkloadMeasurement> {
  const base = ctx.target.baseUrl;
  const source = `${ctx.runId}-estuary-src-${n}`;
  const url = streamUrl(base, source);
  await createStream(url, CT);
  const sessions = Array.from({ length: n }, (_, i) => `${ctx.runId}-est-${n}-${i}`);
  await subscribeAll(ctx, source, sessions);

  const sentAt: number[] = [];
  const got: number[] = new Array<number>(rounds).fill(0);
  const samples: number[] = [];
  const allVisible: number[] = [];
  const readers: LiveReader[] = sessions.map((id) => {
    const seen = new Set<number>();
    return sseReader(streamUrl(base, id), "-1", (k) => {
      if (seen.has(k) || sentAt[k] === undefined) return;
      seen.add(k);
      samples.push(performance.now() - sentAt[k]!);
      got[k] = (got[k] ?? 0) + 1;
      if (got[k] === n) allVisible.push(performance.now() - sentAt[k]!);
    });
  });
  const notes: string[] = [];
  const waitMs = n >= 1000 ? 60_000 : 20_000;
  let requests = n; // the SSE connections
  await ctx.measureFrom();
  const before = await serverCounts(base, source);
  const t0 = performance.now();
  try {
    for (let k = 0; k < rounds; k++) {
      const ready = await waitFor(() => readers.every((r) => r.armed || r.error), waitMs);
      const failed = readers.find((r) => r.error);
      if (failed) throw failed.error!;
      if (!ready) notes.push(`round ${k}: not all readers caught up after ${waitMs / 1000} s`);
      await sleep(n >= 1000 ? 300 : 50);
      sentAt[k] = performance.now();
      await appendOnce(url, CT, JSON.stringify({ tag: `r${k};` }));
      requests += 1;
      if (!(await waitFor(() => got[k]! >= n, waitMs))) {
        notes.push(`round ${k}: ${n - got[k]!} of ${n} sessions missed it (${waitMs / 1000} s)`);
      }
      ctx.progress(`round ${k + 1}/${rounds}`);
    }
  } finally {
    readers.forEach((r) => r.stop());
  }
  const elapsedMs = performance.now() - t0;
  const after = await serverCounts(base, source);
  if (samples.length === 0) throw new Error("no deliveries observed");
  const all = summarize(allVisible.length > 0 ? allVisible : [0]);
  notes.unshift(
    `publish → visible in all ${n}: p50 ${all.median.toFixed(1)} ms, p99 ${all.p99.toFixed(1)} ms`,
  );
  // A source object evicted in between restarted its counters: no figures then.
  if (before && after && before.constructedAt === after.constructedAt) {
    const per = (key: string) => ((after[key] ?? 0) - (before[key] ?? 0)) / rounds;
    notes.push(
      `per publish: ${per("appends").toFixed(0)} session appends (StreamDO), ` +
        `${per("queueSent").toFixed(0)} queue messages in ${per("queueBatches").toFixed(1)} batches, ` +
        `${per("consumerCalls").toFixed(1)} consumer→source StreamDO calls`,
    );
  }
  return {
    ops: samples.length,
    elapsedMs,
    throughput: throughput(samples.length, elapsedMs),
    latency: summarize(samples),
    requests,
    notes: notes.slice(0, 6),
  };
}

function fanOutWorkload(n: number, rounds: { quick: number; full: number }): Workload {
  return {
    id: `estuary-fan-out-${n}`,
    title: `Estuary fan-out: publish → ${n.toLocaleString("en-US")} session stream${n > 1 ? "s" : ""}`,
    opUnit: "delivery",
    throughputUnit: "deliveries/s",
    primary: "latency",
    kinds: ["edge"],
    // Subscribing 1,000 sessions creates 2,000 Durable Objects first (about a minute locally).
    ...(n >= 1000 ? { limitMs: { quick: 150_000, full: 300_000 } } : {}),
    run: (ctx) => runFanOut(ctx, n, ctx.size.quick ? rounds.quick : rounds.full),
  };
}

/** The estuary workloads, smallest first. */
export const estuaryWorkloads: readonly Workload[] = [
  fanOutWorkload(1, { quick: 5, full: 30 }),
  fanOutWorkload(100, { quick: 3, full: 10 }),
  fanOutWorkload(1000, { quick: 2, full: 5 }),
];
