/**
 * Estuary fan-out: publish once to a source stream, time until the message is
 * visible in each of N session streams (1, 100, 1,000, 10,000 subscribers).
 * Up to 1,000 sessions every session stream has an SSE reader; a delivery's
 * latency is publish → that reader's data event. With 10,000 sessions, 100
 * of them have readers (each reader keeps its session's objects in memory,
 * and local workerd runs every object in one process; see docs/estuary.md),
 * and "in all" is when every session has acknowledged the round's row to the
 * source (its outbox is empty again): each append is committed, so visible to
 * any reader. The notes carry the server's own fan-out counts per
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
    lastId: (await outboxOf(baseUrl, source))?.lastId ?? 0,
    queueBatches: (edge.estuaryQueueBatches as number) ?? 0,
    consumerCalls: (edge.estuarySourceCalls as number) ?? 0,
  };
}

/** The source's stored fan-out state (needs DEBUG_ENDPOINTS, which the bench's edge target sets). */
async function outboxOf(
  baseUrl: string,
  source: string,
): Promise<{ lastId: number; outboxRows: number } | null> {
  const s = await getJson(`${baseUrl}/v1/_debug/storage/${encodeURIComponent(source)}`);
  return (s?.estuary as { lastId: number; outboxRows: number } | undefined) ?? null;
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

/** Every session has an SSE reader up to this many sessions; beyond, WATCHED of them do. */
const MAX_READERS = 1000;
const WATCHED = 100;

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
  const publishMs: number[] = [];
  // Readers on every session, or on every (n / MAX_READERS)-th one.
  const watched = n <= MAX_READERS ? sessions : sessions.filter((_, i) => i % (n / WATCHED) === 0);
  const w = watched.length;
  const readers: LiveReader[] = watched.map((id) => {
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
  // 10,000 cold session objects take more than a minute here (docs/estuary.md).
  const waitMs = n >= 10_000 ? 180_000 : n >= 1000 ? 60_000 : 20_000;
  let requests = w; // the SSE connections
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
      // The publish itself: does it slow down with the number of subscribers?
      publishMs.push(performance.now() - sentAt[k]!);
      requests += 1;
      if (w < n) {
        // Every session has acknowledged this round's row: the source's outbox is empty again. This is
        // the source's stored state, so it holds across a restart of its object (its counters do not).
        const row = (before?.lastId ?? 0) + k + 1;
        let done = false;
        // Every 250 ms: each look counts the source's subscribers, work the fan-out itself then waits for.
        for (const end = Date.now() + waitMs; !done && Date.now() < end; await sleep(250)) {
          const e = await outboxOf(base, source);
          done = e !== null && e.lastId >= row && e.outboxRows === 0;
        }
        if (done) allVisible.push(performance.now() - sentAt[k]!);
        else notes.push(`round ${k}: not every session had acknowledged it after ${waitMs / 1000} s`);
      }
      if (!(await waitFor(() => got[k]! >= w, waitMs))) {
        notes.push(`round ${k}: ${w - got[k]!} of ${w} watched sessions missed it (${waitMs / 1000} s)`);
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
  const pub = summarize(publishMs);
  notes.unshift(
    `publish → visible in all ${n}${w < n ? " (acknowledged to the source)" : ""}: p50 ${all.median.toFixed(1)} ms, p99 ${all.p99.toFixed(1)} ms` +
      (w < n ? `; SSE readers on ${w} of the sessions` : ""),
    `publish (the source append's round trip): p50 ${pub.median.toFixed(1)} ms, max ${pub.max.toFixed(1)} ms`,
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

function fanOutWorkload(n: number, rounds: { quick: number; full: number }, optIn?: string): Workload {
  return {
    id: `estuary-fan-out-${n}`,
    title: `Estuary fan-out: publish → ${n.toLocaleString("en-US")} session stream${n > 1 ? "s" : ""}`,
    opUnit: "delivery",
    throughputUnit: "deliveries/s",
    primary: "latency",
    kinds: ["edge"],
    // Subscribing n sessions creates 2n Durable Objects first.
    ...(n >= 10_000
      ? { limitMs: { quick: 600_000, full: 900_000 } }
      : n >= 1000
        ? { limitMs: { quick: 150_000, full: 300_000 } }
        : {}),
    ...(optIn ? { optIn } : {}),
    run: (ctx) => runFanOut(ctx, n, ctx.size.quick ? rounds.quick : rounds.full),
  };
}

/** The estuary workloads, smallest first. */
export const estuaryWorkloads: readonly Workload[] = [
  fanOutWorkload(1, { quick: 5, full: 30 }),
  fanOutWorkload(100, { quick: 3, full: 10 }),
  fanOutWorkload(1000, { quick: 2, full: 5 }),
  // Under local workerd all 20,000 objects (a session object and its stream each) share one
  // process: a round is 10,000 cold starts in a row, and SQLite there can fail with
  // SQLITE_NOMEM (docs/estuary.md).
  fanOutWorkload(
    10_000,
    { quick: 1, full: 3 },
    "about 13 minutes: 20,000 objects in one local workerd process (docs/estuary.md)",
  ),
];
