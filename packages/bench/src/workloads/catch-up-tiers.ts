/**
 * Catch-up read MB/s by storage tier on this project's Worker: the same
 * history read from the StreamDO's hot SQLite log, and from sealed R2
 * segments served at the edge. Each pass reads a fresh stream once, so the
 * Workers Cache API never answers (that is the catch-up-read workload).
 *
 * With default vars a stream is sealed once its hot log reaches
 * SEGMENT_MAX_BYTES (16 MiB): the hot variant writes less than that, the
 * sealed variant writes exactly that and waits for the seal. Both then read
 * the first `sizeMb` MB by following Stream-Next-Offset.
 */
import { request } from "../client.ts";
import { appendOnce, createStream, expectOk, streamUrl, randomChunk } from "../http.ts";
import { median, summarize } from "../stats.ts";
import type { Workload, WorkloadContext } from "./types.ts";

const CT = "application/octet-stream";
const CHUNK = 256 * 1024;
const MB = 1024 * 1024;
/** The server's default SEGMENT_MAX_BYTES. */
const SEAL_AT = 16 * MB;

const chunk = (seed: number) => randomChunk(CHUNK, seed);

async function coldReads(ctx: WorkloadContext): Promise<number> {
  if (!ctx.target.metricsUrl) return 0;
  const res = await request(ctx.target.metricsUrl, {});
  return res.status === 200
    ? Number((JSON.parse(res.body.toString("utf8")) as { coldReads?: number }).coldReads ?? 0)
    : 0;
}

/** Reads the first `bytes` of a stream; returns per-request times. */
async function readPrefix(url: string, bytes: number, chunkMs: number[]): Promise<number> {
  let offset = "-1";
  let read = 0;
  let requests = 0;
  while (read < bytes) {
    const start = performance.now();
    const res = expectOk(await request(`${url}?offset=${encodeURIComponent(offset)}`, {}), "catch-up GET");
    chunkMs.push(performance.now() - start);
    requests += 1;
    read += res.body.byteLength;
    const next = res.header("stream-next-offset");
    if (!next || res.header("stream-up-to-date") === "true")
      throw new Error(`reached the tail after ${read} bytes`);
    offset = next;
  }
  return requests;
}

function tierWorkload(tier: "hot" | "sealed"): Workload {
  return {
    id: `catch-up-${tier}`,
    title: `Catch-up read of ${tier === "hot" ? "hot (SQLite)" : "sealed (R2, at the edge)"} history`,
    opUnit: "MB",
    throughputUnit: "MB/s",
    primary: "throughput",
    kinds: ["edge"],
    async run(ctx) {
      const sizeMb = ctx.size.quick ? 4 : 12;
      const passes = ctx.size.quick ? 2 : 4;
      const writeBytes = tier === "hot" ? sizeMb * MB + CHUNK : SEAL_AT;
      const chunkMs: number[] = [];
      const rates: number[] = [];
      let requests = 0;
      let totalMs = 0;
      let served = 0;
      // Every pass's stream is written first, so the server counters (read from
      // measureFrom on) count the reads only.
      const urls: string[] = [];
      for (let p = 0; p < passes; p++) {
        const url = streamUrl(ctx.target.baseUrl, `${ctx.runId}-tier-${tier}-${p}`);
        await createStream(url, CT);
        for (let i = 0; i < writeBytes / CHUNK; i++) await appendOnce(url, CT, chunk(p * 1000 + i + 1));
        urls.push(url);
        ctx.progress(`stream ${p + 1}/${passes} written`);
      }
      // The seal runs right after the append that reaches the threshold; give it a moment.
      if (tier === "sealed") await new Promise((r) => setTimeout(r, 1_500));
      await ctx.measureFrom();
      for (let p = 0; p < passes; p++) {
        const url = urls[p]!;
        const before = await coldReads(ctx);
        const start = performance.now();
        const n = await readPrefix(url, sizeMb * MB, chunkMs);
        const ms = performance.now() - start;
        served += (await coldReads(ctx)) - before;
        requests += n;
        totalMs += ms;
        rates.push(sizeMb / (ms / 1000));
        ctx.progress(`pass ${p + 1}/${passes}: ${rates.at(-1)!.toFixed(0)} MB/s`);
      }
      return {
        ops: sizeMb * passes,
        elapsedMs: totalMs,
        throughput: median(rates),
        latency: summarize(chunkMs),
        requests,
        notes: [
          `${sizeMb} MB read per pass from a fresh stream, ${passes} passes`,
          `${served} of ${requests} chunk requests served from sealed segments at the edge (no StreamDO request)`,
        ],
      };
    },
  };
}

/** Hot vs sealed catch-up reads. */
export const catchUpHot = tierWorkload("hot");
export const catchUpSealed = tierWorkload("sealed");
