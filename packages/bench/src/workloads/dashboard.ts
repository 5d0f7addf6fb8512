/**
 * The dashboard with 10,000 streams in one project: its own server and
 * dashboard Workers (packages/dashboard/test/support/stack.ts: the service
 * binding needs a dev registry of their own), 10,000 catalog entries seeded
 * through the test-only seeding route, then
 * - first load: headless Chromium with its cache disabled opens the Streams
 *   page; timed from navigation to the first row of the list on screen;
 * - API latency: the dashboard's own /api calls (through the Worker, the
 *   Access check and the service binding): a page of streams by name, by size,
 *   the next page by cursor, the project summary, an hour of metrics.
 * The row's latency is the first load; the notes carry the API percentiles.
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "../../../dashboard/test/support/browser.ts";
import { startStack } from "../../../dashboard/test/support/stack.ts";
import { summarize, throughput } from "../stats.ts";
import type { Workload, WorkloadContext, WorkloadMeasurement } from "./types.ts";

const STREAMS = 10_000;
const SEED_BATCH = 10_000;

const DASHBOARD_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../../dashboard");

/** Builds the dashboard's assets (dist/), which its wrangler config serves: a fresh checkout has none. */
function buildDashboard(): void {
  const r = spawnSync(process.execPath, ["build.mjs"], { cwd: DASHBOARD_DIR, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`dashboard build failed: ${(r.stderr || r.stdout).slice(0, 300)}`);
}

async function run(ctx: WorkloadContext): Promise<WorkloadMeasurement> {
  buildDashboard();
  const stack = await startStack();
  try {
    const project = "bench-dash";
    for (let from = 0; from < STREAMS; from += SEED_BATCH) {
      const q = `project=${project}&prefix=s/&from=${from}&count=${Math.min(SEED_BATCH, STREAMS - from)}`;
      const r = await fetch(`${stack.server}/v1/_debug/catalog-seed?${q}`, { method: "POST" });
      if (!r.ok) throw new Error(`seeding: ${r.status} ${await r.text()}`);
    }
    ctx.progress(`seeded ${STREAMS}`);
    const jwt = await stack.access.sign({ expSeconds: 3600 });
    const api = async (method: string, ...args: unknown[]): Promise<{ ms: number; body: unknown }> => {
      const t0 = performance.now();
      const r = await fetch(`${stack.dashboard}/api/rpc/${method}`, {
        method: "POST",
        headers: { "content-type": "application/json", "cf-access-jwt-assertion": jwt },
        body: JSON.stringify({ args }),
      });
      const body = (await r.json()) as unknown;
      if (!r.ok) throw new Error(`${method}: ${r.status} ${JSON.stringify(body)}`);
      return { ms: performance.now() - t0, body };
    };
    await api("listStreams", project, { limit: 50 }); // warm the shards and the binding
    const rounds = ctx.size.quick ? 5 : 20;
    const apiMs: Record<string, number[]> = { page: [], bySize: [], cursor: [], summary: [], metrics: [] };
    for (let i = 0; i < rounds; i++) {
      const first = await api("listStreams", project, { limit: 50 });
      apiMs.page!.push(first.ms);
      apiMs.bySize!.push((await api("listStreams", project, { limit: 50, sort: "bytes" })).ms);
      const cursor = (first.body as { cursor: string }).cursor;
      apiMs.cursor!.push((await api("listStreams", project, { limit: 50, cursor })).ms);
      apiMs.summary!.push((await api("summary", project)).ms);
      apiMs.metrics!.push((await api("metrics", project, {})).ms);
    }
    ctx.progress("API timed; first loads");
    const browser = await launchChromium({ "cf-access-jwt-assertion": jwt });
    const loads: number[] = [];
    try {
      const page = await browser.context.newPage();
      const cdp = await browser.context.newCDPSession(page);
      await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
      const loadRounds = ctx.size.quick ? 3 : 10;
      for (let i = 0; i < loadRounds; i++) {
        await page.goto("about:blank");
        const t0 = performance.now();
        await page.goto(`${stack.dashboard}/#/streams?project=${project}`);
        await page.locator("[data-testid=streams] tbody tr").first().waitFor();
        loads.push(performance.now() - t0);
      }
    } finally {
      await browser.close();
    }
    const all = Object.values(apiMs).flat();
    const fmt = (xs: number[]) => {
      const s = summarize(xs);
      return `p50 ${s.median.toFixed(1)} / p99 ${s.p99.toFixed(1)} ms`;
    };
    const elapsed = loads.reduce((a, b) => a + b, 0);
    return {
      ops: loads.length,
      elapsedMs: elapsed,
      throughput: throughput(loads.length, elapsed),
      latency: summarize(loads),
      requests: all.length + loads.length * 4,
      notes: [
        `first load = cold cache (index.html, app.js, style.css, projects + listStreams API) until the first row shows`,
        ...Object.entries(apiMs).map(([k, xs]) => `API ${k}: ${fmt(xs)}`),
        `${STREAMS} catalog entries (seeded); wrangler dev on loopback, not Cloudflare`,
      ],
    };
  } finally {
    await stack.stop();
  }
}

/** First load and API latency of the dashboard for a project with 10,000 streams. */
export const dashboard10k: Workload = {
  id: "dashboard-10k",
  title: "Dashboard, 10,000 streams: first load of the Streams page (cold cache), and API latency",
  opUnit: "load",
  throughputUnit: "ops/s",
  primary: "latency",
  kinds: ["edge"],
  limitMs: { quick: 180_000, full: 300_000 },
  run,
};
