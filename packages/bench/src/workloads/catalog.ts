/**
 * Catalog listing latency at 10,000 and 100,000 streams in one project. The
 * entries are seeded straight into the catalog shards through the test-only
 * seeding route (creating 100,000 Durable Objects would take the whole run);
 * then the bench times the listings the dashboard makes: first pages by name,
 * size and last append, pages by cursor, a prefix and a glob.
 */
import { request } from "../client.ts";
import { expectOk } from "../http.ts";
import { summarize, throughput } from "../stats.ts";
import { BENCH_ADMIN_TOKEN } from "../targets/edge.ts";
import type { Workload, WorkloadContext, WorkloadMeasurement } from "./types.ts";

const SEED_BATCH = 10_000;

async function seed(ctx: WorkloadContext, project: string, total: number): Promise<void> {
  for (let from = 0; from < total; from += SEED_BATCH) {
    const q = `project=${project}&prefix=s/&from=${from}&count=${Math.min(SEED_BATCH, total - from)}`;
    expectOk(
      await request(`${ctx.target.baseUrl}/v1/_debug/catalog-seed?${q}`, { method: "POST" }),
      "seeding",
    );
    ctx.progress(`seeded ${Math.min(total, from + SEED_BATCH)}/${total}`);
  }
}

async function list(
  ctx: WorkloadContext,
  project: string,
  query: string,
): Promise<{ ms: number; cursor: string | null }> {
  const t0 = performance.now();
  const res = expectOk(
    await request(`${ctx.target.baseUrl}/v1/projects/${project}/streams?${query}`, {
      headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` },
    }),
    "listing",
  );
  const ms = performance.now() - t0;
  const body = JSON.parse(res.body.toString("utf8")) as { streams: unknown[]; cursor: string | null };
  if (body.streams.length === 0) throw new Error(`listing ${query} returned nothing`);
  return { ms, cursor: body.cursor };
}

async function runListing(ctx: WorkloadContext, streams: number): Promise<WorkloadMeasurement> {
  const project = `bench-${ctx.runId}-${streams}`
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, "-")
    .slice(0, 63);
  await seed(ctx, project, streams);
  await list(ctx, project, "limit=100"); // warm the shards up
  await ctx.measureFrom();
  const samples: number[] = [];
  const start = performance.now();
  const rounds = ctx.size.quick ? 3 : 10;
  for (let r = 0; r < rounds; r++) {
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const p = await list(ctx, project, `limit=100${cursor ? `&cursor=${cursor}` : ""}`);
      samples.push(p.ms);
      cursor = p.cursor;
    }
    for (const q of [
      "sort=bytes&limit=100",
      "sort=lastAppend&limit=100",
      "prefix=s/00012&limit=100",
      "glob=s/*5&limit=100",
    ]) {
      samples.push((await list(ctx, project, q)).ms);
    }
    ctx.progress(`${samples.length} listings`);
  }
  const elapsedMs = performance.now() - start;
  return {
    ops: samples.length,
    elapsedMs,
    throughput: throughput(samples.length, elapsedMs),
    latency: summarize(samples),
    requests: samples.length,
    notes: [
      `${streams} catalog entries seeded in ${streams / SEED_BATCH} batches; pages of 100 across 16 shards`,
    ],
  };
}

/** Listing latency at 10,000 streams. */
export const catalogList10k: Workload = {
  id: "catalog-list-10k",
  title: "Catalog listing, 10,000 streams (pages of 100: name, cursor, size, last append, prefix, glob)",
  opUnit: "listing",
  throughputUnit: "ops/s",
  primary: "latency",
  kinds: ["edge"],
  run: (ctx) => runListing(ctx, 10_000),
};

/** Listing latency at 100,000 streams. */
export const catalogList100k: Workload = {
  id: "catalog-list-100k",
  title: "Catalog listing, 100,000 streams (pages of 100: name, cursor, size, last append, prefix, glob)",
  opUnit: "listing",
  throughputUnit: "ops/s",
  primary: "latency",
  kinds: ["edge"],
  limitMs: { quick: 180_000, full: 300_000 },
  run: (ctx) => runListing(ctx, 100_000),
};
