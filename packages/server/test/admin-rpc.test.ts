/**
 * The AdminApi WorkerEntrypoint called from a second Worker over a service
 * binding (test/fixtures/admin-client, run beside the server in one
 * `wrangler dev`): the reads, the dashboard's actions with their bad input,
 * and their 503 on a server without ADMIN_TOKEN; and durability: the catalog
 * and the per-minute metrics survive killing the local runtime and starting
 * it again on the same state.
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
function serverConfig(omit: string[] = []): string {
  const text = readFileSync(join(SERVER_DIR, "wrangler.jsonc"), "utf8")
    .split("\n")
    .filter((line) => !line.trim().startsWith("//"))
    .join("\n")
    .replace(/,(\s*[}\]])/g, "$1");
  const config = JSON.parse(text) as Record<string, unknown> & { vars: Record<string, string> };
  delete config.$schema;
  const out = join(state, "server.wrangler.json");
  const vars = { ...config.vars, ...TEST_VARS } as Record<string, string>;
  for (const k of omit) delete vars[k];
  writeFileSync(out, JSON.stringify({ ...config, main: join(SERVER_DIR, "src/index.ts"), vars }));
  return out;
}

const start = (omit: string[] = []) => startLocalWorker({ persistTo: state, configs: [CLIENT, serverConfig(omit)] });

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

  test("the dashboard's actions: streams, messages, sessions, projects, tokens; bad input is a 4xx, no change", async () => {
    expect(await rpc("createStream", "default", "act/s")).toMatchObject({ ok: true, status: 201 });
    expect(await rpc("append", "default", "act/s", '{"n":1}')).toMatchObject({ ok: true });
    expect(await rpc("append", "default", "act/s", 42)).toMatchObject({ ok: false, status: 400 });
    expect(await rpc("append", "default", "act/s", "{not json")).toMatchObject({ ok: false, status: 400 });
    expect(await rpc("append", "default", "rpc/none", "{}")).toMatchObject({ ok: false, status: 404 });
    expect(await rpc("readMessages", "default", "act/s", "-1", 0)).toMatchObject({ ok: false, status: 400 });
    expect(await rpc("readMessages", "default", "act/s", "garbage")).toMatchObject({
      ok: false,
      status: 400,
      code: "invalid_offset",
    });
    // The refused appends changed nothing: one message.
    const read = await rpc<{ messages: { value: unknown }[]; upToDate: boolean }>("readMessages", "default", "act/s");
    expect(read).toMatchObject({ messages: [{ value: { n: 1 } }], upToDate: true });
    const fetched = await fetch(`${worker.url}/admin-fetch/v1/stream/default/act/s?offset=-1`);
    expect(fetched.status).toBe(200);
    expect(await fetched.json()).toEqual([{ n: 1 }]);
    expect((await fetch(`${worker.url}/admin-fetch/v1/_debug/storage/default/act/s`)).status).toBe(404);

    expect(await rpc("subscribe", "default", "act/s", "rpc-tab")).toMatchObject({ ok: true });
    const session = await rpc<{ subscriptions: { stream: string; parked: unknown }[] }>(
      "inspectSession",
      "default",
      "rpc-tab",
    );
    expect(session.subscriptions).toEqual([{ stream: "act/s", lag: 0, parked: null }]);
    expect(await rpc("subscribe", "default", "act/s", "bad id!")).toMatchObject({ ok: false, status: 400 });
    expect(await rpc("unsubscribe", "default", "act/s", "rpc-tab")).toMatchObject({ ok: true });

    const created = await rpc<{ ok: true; key: { kid: string; secret: string } }>("createProject", { name: "rpcco" });
    expect(created).toMatchObject({ ok: true, status: 201, key: { kid: expect.any(String) } });
    expect(await rpc("createProject", { name: "Bad Name!" })).toMatchObject({ ok: false, status: 400 });
    expect(await rpc("updateProject", "rpcco", { anonymous: "yes" })).toMatchObject({ ok: false, status: 400 });
    expect(await rpc("updateProject", "rpcco", { corsOrigins: ["https://app.example"] })).toMatchObject({ ok: true });
    const added = await rpc<{ key: { kid: string } }>("addKey", "rpcco", {});
    expect(await rpc("retireKey", "rpcco", created.key.kid)).toMatchObject({ ok: true });
    expect(await rpc("retireKey", "rpcco", added.key.kid)).toMatchObject({ ok: false, status: 409 });
    const minted = await rpc<{ token: string }>("mintToken", "rpcco", { sub: "t", scope: "read" });
    expect(minted.token.split(".")).toHaveLength(3);
    expect(await rpc("mintToken", "rpcco", { sub: "t", scope: "everything" })).toMatchObject({
      ok: false,
      status: 400,
    });
    const project = await rpc<{ project: { keys: { kid: string }[]; corsOrigins: string[] } }>("getProject", "rpcco");
    expect(project.project.keys.map((k) => k.kid)).toEqual([added.key.kid]);
    expect(project.project.corsOrigins).toEqual(["https://app.example"]);
    expect(await rpc("getProject", "rpc-none")).toMatchObject({ ok: false, status: 404 });
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

  test("without ADMIN_TOKEN the actions answer 503 saying so; the reads still work", async () => {
    await worker.stop();
    worker = await start(["ADMIN_TOKEN"]);
    for (const [method, ...args] of [
      ["createStream", "default", "rpc/x"],
      ["append", "default", "rpc/a", "{}"],
      ["readMessages", "default", "rpc/a"],
      ["subscribe", "default", "rpc/a", "rpc-tab"],
      ["getProject", "rpcco"],
      ["mintToken", "rpcco", { sub: "t", scope: "read" }],
    ] as [string, ...unknown[]][]) {
      const r = await rpc<{ status: number; message: string }>(method, ...args);
      expect(r, method).toMatchObject({ ok: false, status: 503, code: "unavailable" });
      expect(r.message).toContain("ADMIN_TOKEN");
    }
    const res = await fetch(`${worker.url}/admin-fetch/v1/stream/default/rpc/a?offset=-1`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("ADMIN_TOKEN");
    const listed = await rpc<Page>("listStreams", "default", { prefix: "rpc/" });
    expect(listed.streams.map((s) => s.name)).not.toContain("rpc/x");
  });
});
