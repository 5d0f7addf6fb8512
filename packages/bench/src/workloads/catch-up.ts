/**
 * Catch-up read throughput: a large stream (written in 256 KiB appends) read
 * from the beginning by following Stream-Next-Offset until Stream-Up-To-Date,
 * several passes. The figure is MB/s per pass; latency is per chunk request.
 */
import { request } from "../client.ts";
import { appendOnce, createStream, expectOk, streamUrl, randomChunk } from "../http.ts";
import { median, summarize } from "../stats.ts";
import type { Workload } from "./types.ts";

const CT = "application/octet-stream";
const CHUNK = 256 * 1024;
const MB = 1024 * 1024;

const chunk = (seed: number) => randomChunk(CHUNK, seed);

/** Reads the stream from the start to the tail; returns bytes read and per-request times. */
async function readAll(url: string, chunkMs: number[]): Promise<{ bytes: number; requests: number }> {
  let offset = "-1";
  let bytes = 0;
  for (let requests = 1; requests <= 10_000; requests++) {
    const start = performance.now();
    // identity: measure the server, not gzip (the reference compresses by default).
    const res = expectOk(
      await request(`${url}?offset=${encodeURIComponent(offset)}`, {
        headers: { "accept-encoding": "identity" },
      }),
      "catch-up GET",
    );
    chunkMs.push(performance.now() - start);
    bytes += res.body.byteLength;
    const next = res.header("stream-next-offset");
    if (res.header("stream-up-to-date") === "true" || !next || next === offset) return { bytes, requests };
    offset = next;
  }
  throw new Error("catch-up read did not reach the tail in 10,000 requests");
}

/** Catch-up read MB/s of a large stream. */
export const catchUpRead: Workload = {
  id: "catch-up-read",
  title: "Catch-up read of a large stream (from offset -1 to tail)",
  opUnit: "MB",
  throughputUnit: "MB/s",
  primary: "throughput",
  kinds: ["edge", "reference"],
  async run(ctx) {
    const sizeMb = ctx.size.quick ? 4 : 32;
    const passes = ctx.size.quick ? 2 : 5;
    const url = streamUrl(ctx.target.baseUrl, `${ctx.runId}-catchup`);
    await createStream(url, CT);
    for (let i = 0; i < (sizeMb * MB) / CHUNK; i++) await appendOnce(url, CT, chunk(i + 1));
    ctx.progress(`${sizeMb} MB written`);
    await ctx.measureFrom();
    const chunkMs: number[] = [];
    const rates: number[] = [];
    let requests = 0;
    let totalMs = 0;
    for (let p = 0; p < passes; p++) {
      const start = performance.now();
      const r = await readAll(url, chunkMs);
      const ms = performance.now() - start;
      if (r.bytes !== sizeMb * MB) throw new Error(`read ${r.bytes} bytes, expected ${sizeMb * MB}`);
      totalMs += ms;
      requests += r.requests;
      rates.push(r.bytes / MB / (ms / 1000));
      ctx.progress(`pass ${p + 1}/${passes}: ${rates.at(-1)!.toFixed(0)} MB/s`);
    }
    return {
      ops: sizeMb * passes,
      elapsedMs: totalMs,
      throughput: median(rates),
      latency: summarize(chunkMs),
      requests,
      notes: [`${sizeMb} MB stream, ${passes} passes, ${(requests / passes).toFixed(0)} requests per pass`],
    };
  },
};
