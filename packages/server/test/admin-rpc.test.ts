/**
 * The AdminApi WorkerEntrypoint called from a second Worker over a service
 * binding (test/fixtures/admin-client, run beside the server in one
 * `wrangler dev`), and durability: the catalog and the per-minute metrics
 * survive killing the local runtime and starting it again on the same state.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TEST_VARS } from "./global-setup.js";
import { startLocalWorker, SERVER_DIR, type LocalWorker } from "./support/local-worker.js";

const CLIENT = join(SERVER_DIR, "test/fixtures/admin-client/wrangler.jsonc");
const state = mkdtempSync(join(tmpdir(), "ds-admin-rpc-"));
let worker: LocalWorker;

/**
 * The server's wrangler.jsonc with the test vars in it: with several configs,
 * `wrangler dev --var` reaches only the first Worker (the client).
 */
function serverConfig(): string {
  const text = readFileSync(join(SERVER_DIR, "wrangler.jsonc"), "utf8")
    .split("\n")
    .filter((line) => !line.trim().startsWith("//"))
    .join("\n")
    .replace(/,(\s*[}\]])/g, "$1");
  const config = JSON.parse(text) as Record<string, unknown> & { vars: Record<string, string> };
  delete config.$schema;
  const out = join(state, "server.wrangler.json");
  writeFileSync(
    out,
    JSON.stringify({ ...config, main: join(SERVER_DIR, "src/index.ts"), vars: { ...config.vars, ...TEST_VARS } }),
  );
  return out;
}

const start = () => startLocalWorker({ persistTo: state, configs: [CLIENT, serverConfig()] });

async function rpc<T>(method: string, ...args: unknown[]): Promise<T> {
  const res = await fetch(`${worker.url}/rpc`, { method: "POST", body: JSON.stringify({ method, args }) });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

type Page = { streams: { name: string; bytes: number }[]; cursor: string | null };
type Points = { points: Record<string, number>[] };
const sum = (p: Points, k: string) => p.points.reduce((a, x) => a + (x[k] ?? 0), 0);

beforeAll(async () => {
  worker = await start();
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  rmSync(state, { recursive: true, force: true });
});

describe("AdminApi over a service binding", () => {
  test("lists, inspects, summarises and reports metrics; bad input comes back as a failure", async () => {
    for (const n of ["rpc/a", "rpc/b"]) {
      const res = await fetch(`${worker.url}/v1/stream/default/${n}`, {
        method: "PUT",
        headers: { "content-type": "text/plain" },
        body: "hello",
      });
      expect(res.status, await res.text()).toBe(201);
    }
    const page = await rpc<Page>("listStreams", "default", { prefix: "rpc/", limit: 1 });
    expect(page.streams.map((s) => s.name)).toEqual(["rpc/a"]);
    const next = await rpc<Page>("listStreams", "default", { prefix: "rpc/", limit: 1, cursor: page.cursor });
    expect(next.streams.map((s) => s.name)).toEqual(["rpc/b"]);
    const inspected = await rpc<{ stream: { name: string; offsets: { bytes: number } } }>(
      "inspectStream",
      "default",
      "rpc/a",
    );
    expect(inspected.stream).toMatchObject({ name: "rpc/a", offsets: { bytes: 5 } });
    expect(await rpc("summary", "default")).toMatchObject({ streams: 2, bytes: 10, shards: 16 });
    const m = await rpc<Points>("metrics", "default", { stream: "rpc/a", from: Date.now() - 120_000 });
    expect(m.points.length).toBeGreaterThanOrEqual(2);
    expect(await rpc("listStreams", "default", { sort: "size" })).toMatchObject({ ok: false, status: 400 });
    expect(await rpc("inspectStream", "default", "rpc/none")).toMatchObject({ ok: false, status: 404 });
  });

  test("the catalog and the metrics survive a kill and restart of the runtime", async () => {
    const url = `${worker.url}/v1/stream/default/rpc/durable`;
    expect((await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" } })).status).toBe(201);
    for (let i = 0; i < 4; i++) {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: "abc" });
      expect(res.status).toBe(204);
    }
    const from = Date.now() - 120_000;
    // Querying flushes this isolate's counts into the MetricsDO (durable from here on).
    expect(sum(await rpc<Points>("metrics", "default", { stream: "rpc/durable", from }), "appends")).toBe(4);
    await worker.kill();
    worker = await start();
    const after = await rpc<Points>("metrics", "default", { stream: "rpc/durable", from });
    expect(sum(after, "appends")).toBe(4);
    expect(sum(after, "bytesIn")).toBe(12);
    const listed = await rpc<Page>("listStreams", "default", { prefix: "rpc/" });
    expect(listed.streams.map((s) => s.name)).toEqual(["rpc/a", "rpc/b", "rpc/durable"]);
  });
});
