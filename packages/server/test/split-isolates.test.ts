/**
 * The production shape: the edge Workers and the Durable Objects in separate
 * isolates (test/support/split-workers.ts: an objects Worker, two edge Workers
 * bound to it with `script_name`, and a front Worker that spreads requests
 * over the edges). Nothing in module state is shared between them, as on
 * Cloudflare: counters kept by the objects must be read from the objects,
 * each edge isolate has its own feed per stream, and the conformance suite,
 * the live-read suite and the SSE reconnect suite pass in this shape too.
 */
import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { COLD_VARS, TEST_VARS } from "./global-setup.js";
import { eventually } from "./support/catalog.js";
import { openSuiteProjects } from "./support/suite-projects.js";
import { forceRotate } from "./support/cold.js";
import { publish, readAll, subscribe } from "./support/estuary.js";
import { liveSuite } from "./support/live-suite.js";
import { openSse, type SseConnection } from "./support/sse-client.js";
import { SSE_RECONNECT_CLOSE_AFTER_MS, sseReconnectSuite } from "./support/sse-reconnect-suite.js";
import { startSplitWorkers, type SplitWorkers } from "./support/split-workers.js";
import { streamUrl, waitFor } from "./support/util.js";

type Json = Record<string, unknown>;
const json = async (url: string): Promise<Json> => (await (await fetch(url)).json()) as Json;
const streamCounters = (url: string) => json(url.replace("/v1/stream/", "/v1/metrics/stream/"));
const put = (url: string, contentType = "text/plain", body?: string) =>
  fetch(url, { method: "PUT", headers: { "content-type": contentType }, body });

/**
 * Split Workers started with `vars` for the enclosing describe (the suites'
 * projects opened) and stopped after it; the fields are there once beforeAll ran.
 */
function splitWorkers(vars: Record<string, string>): SplitWorkers {
  const split = {} as SplitWorkers;
  beforeAll(async () => {
    Object.assign(split, await startSplitWorkers({ vars, verbose: process.env.DS_VERBOSE === "1" }));
    await openSuiteProjects(split.url, TEST_VARS.ADMIN_TOKEN);
  }, 90_000);
  afterAll(async () => {
    if (split.stop) await split.stop();
  });
  return split;
}

describe("edge and objects in separate isolates", () => {
  const split = splitWorkers(TEST_VARS);

  test("edge A, edge B and the stream's object each run in their own isolate", async () => {
    const name = `split-iso-${Date.now().toString(36)}`;
    expect((await put(`${split.edgeA}/v1/stream/${name}`)).status).toBe(201);
    const a = await json(`${split.edgeA}/v1/_debug/isolate/${name}`);
    const b = await json(`${split.edgeB}/v1/_debug/isolate/${name}`);
    expect(a.object).toBe(b.object); // one object, reached from both edges
    expect(new Set([a.edge, b.edge, a.object]).size).toBe(3);
    // The front alternates: consecutive requests reach both edge isolates.
    const seen = new Set<unknown>();
    for (let i = 0; i < 4; i++) seen.add((await json(`${split.url}/v1/_debug/isolate/${name}`)).edge);
    expect(seen).toEqual(new Set([a.edge, b.edge]));
  });

  describe("counters kept by the objects are read from the objects", () => {
    async function fanOut(sessions: number): Promise<{ source: string; delivered: number }> {
      const tag = `split-fan${sessions}-${Date.now().toString(36)}`;
      const source = `${split.edgeB}/v1/stream/${tag}-src`;
      expect((await put(source, "application/json")).status).toBe(201);
      const ids = Array.from({ length: sessions }, (_, i) => `${tag}-s${i}`);
      for (const id of ids) await subscribe(split.edgeB, `${tag}-src`, id);
      await publish(source, { n: 1 });
      await publish(source, { n: 2 });
      for (const id of ids) {
        const url = `${split.edgeB}/v1/stream/${id}`;
        const deadline = Date.now() + 15_000;
        while ((await readAll(url)).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        expect((await readAll(url)).map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }]);
      }
      return { source, delivered: 2 * sessions };
    }

    /** The source's own counters once `fanout.appends` reached `n` (the last count may land just after the append). */
    async function countedAppends(source: string, n: number): Promise<Record<string, number>> {
      const deadline = Date.now() + 10_000;
      let fanout = (await streamCounters(source)).fanout as Record<string, number>;
      while (fanout.appends !== n && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        fanout = (await streamCounters(source)).fanout as Record<string, number>;
      }
      return fanout;
    }

    test("inline fan-out: the source StreamDO counts its deliveries; no edge isolate sees them", async () => {
      const { source, delivered } = await fanOut(3); // below the queue threshold (10)
      const fanout = await countedAppends(source, delivered);
      expect(fanout).toMatchObject({ appends: delivered, pruned: 0, queueSent: 0 });
      // The deliveries ran in the objects' isolate: an edge's module counters cannot hold them.
      for (const edge of [split.edgeA, split.edgeB]) {
        expect((await json(`${edge}/v1/metrics`)).estuaryAppends).toBeUndefined();
      }
    });

    test("queued fan-out: the consumer (edge A) reports to the source, which counts", async () => {
      const { source, delivered } = await fanOut(12); // above the threshold: through the queue
      const fanout = await countedAppends(source, delivered);
      expect(fanout.appends).toBe(delivered);
      expect(fanout.queueSent).toBeGreaterThanOrEqual(1); // many sessions per queue message
      // Only edge A consumes the queue.
      expect((await json(`${split.edgeA}/v1/metrics`)).estuaryQueueBatches).toBeGreaterThan(0);
      expect((await json(`${split.edgeB}/v1/metrics`)).estuaryQueueBatches).toBe(0);
      // Deliveries made by the consumer in edge A are timed too: the commit time travels with the outbox row.
      const name = source.slice(source.lastIndexOf("/") + 1);
      const q = `${split.edgeB}/v1/projects/default/metrics?stream=${name}&from=${Date.now() - 120_000}`;
      const auth = { authorization: `Bearer ${TEST_VARS.ADMIN_TOKEN}` };
      const points = async () => ((await (await fetch(q, { headers: auth })).json()) as { points: Json[] }).points;
      const sum = (ps: Json[], k: string) => ps.reduce((a, p) => a + Number(p[k] ?? 0), 0);
      const seen = await eventually(points, (ps) => sum(ps, "estuaryDeliveries") === delivered);
      expect(seen.some((p) => typeof p.fanoutP50 === "number" && typeof p.fanoutP99 === "number")).toBe(true);
    });

    test("R2 operations a StreamDO makes are counted by that object, an edge's by that edge", async () => {
      const url = streamUrl("split-r2", split.edgeA);
      expect((await put(url, "text/plain", "x".repeat(1000))).status).toBe(201);
      const before = await streamCounters(url);
      expect((await forceRotate(url)).sealed).toBeGreaterThan(0);
      // Deleting a sealed stream makes the object read its segment head before removing it.
      expect((await fetch(url, { method: "DELETE" })).status).toBe(204);
      const after = await streamCounters(url);
      // The seal wrote the segment and the head (class A); the delete read the head (class B).
      expect((after.r2ClassA as number) - (before.r2ClassA as number)).toBeGreaterThanOrEqual(2);
      expect((after.r2ClassB as number) - (before.r2ClassB as number)).toBeGreaterThanOrEqual(1);
      // The edges made no R2 write at all: nothing the object did shows up in their counters.
      for (const edge of [split.edgeA, split.edgeB]) expect((await json(`${edge}/v1/metrics`)).r2ClassA).toBe(0);
    });
  });

  test("readers on both edges: one feed per edge isolate, every write delivered once to each reader", async () => {
    const name = `split-feeds-${Date.now().toString(36)}`;
    const onA = `${split.edgeA}/v1/stream/${name}`;
    const onB = `${split.edgeB}/v1/stream/${name}`;
    expect((await put(onA, "text/plain", "0;")).status).toBe(201);
    const conns: SseConnection[] = [];
    for (const url of [onA, onA, onB, onB]) conns.push(await openSse(`${url}?offset=-1&live=sse`));
    await waitFor(() => conns.every((c) => c.lastControl()?.upToDate === true), 10_000, "readers caught up");
    // Writes through either edge reach the readers of both.
    for (let i = 1; i <= 4; i++) {
      const res = await fetch(i % 2 ? onA : onB, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: `${i};`,
      });
      expect(res.status).toBe(204);
    }
    await waitFor(() => conns.every((c) => c.text() === "0;1;2;3;4;"), 10_000, "every reader got every write");
    const own = await streamCounters(onA);
    expect(own.feeds).toBe(2); // one per edge isolate, not one per reader
    expect(own.framesSent).toBe(8); // each write once to each isolate
    for (const edge of [split.edgeA, split.edgeB])
      expect((await json(`${edge}/v1/metrics`)).feedsOpened).toBeGreaterThanOrEqual(1);
    for (const c of conns) c.close();
  });

  test("live readers held per mode: each edge counts its own, the object and the metrics add them up", async () => {
    const name = `split-held-${Date.now().toString(36)}`;
    const onA = `${split.edgeA}/v1/stream/${name}`;
    const onB = `${split.edgeB}/v1/stream/${name}`;
    expect((await put(onA, "text/plain", "0;")).status).toBe(201);
    const conns: SseConnection[] = [];
    for (const url of [onA, onA, onB]) conns.push(await openSse(`${url}?offset=-1&live=sse`));
    await waitFor(() => conns.every((c) => c.lastControl()?.upToDate === true), 10_000, "readers caught up");
    // Long-polls kept waiting at the tail on edge B (each re-issued when it times out).
    let polling = true;
    const polls = (async () => {
      while (polling) await (await fetch(`${onB}?offset=now&live=long-poll`)).arrayBuffer();
    })();
    const auth = { authorization: `Bearer ${TEST_VARS.ADMIN_TOKEN}` };
    type Live = { feeds: number; readers: { sse: number; longPoll: number } };
    const inspect = async () =>
      (
        (await (await fetch(`${split.edgeA}/v1/projects/default/streams/${name}`, { headers: auth })).json()) as {
          stream: { live: Live };
        }
      ).stream.live;
    const live = await eventually(inspect, (l) => l.readers.sse === 3 && l.readers.longPoll === 1);
    expect(live).toEqual({ feeds: 2, readers: { sse: 3, longPoll: 1 } });
    // Per-minute peaks: edge A held 2 SSE readers, edge B 1 (each edge flushes on its own requests).
    const peaks = async () => {
      for (const url of [onA, onB]) await fetch(url, { method: "HEAD" });
      const q = `${split.edgeA}/v1/projects/default/metrics?stream=${name}&from=${Date.now() - 120_000}`;
      const points = ((await (await fetch(q, { headers: auth })).json()) as { points: Record<string, number>[] })
        .points;
      const max = (k: string) => Math.max(...points.map((p) => p[k] ?? 0));
      return { sse: max("sseReaders"), longPoll: max("longPollReaders") };
    };
    expect(await eventually(peaks, (p) => p.sse === 3 && p.longPoll === 1)).toEqual({ sse: 3, longPoll: 1 });
    polling = false;
    await polls;
    for (const c of conns) c.close();
    expect((await eventually(inspect, (l) => l.readers.sse === 0)).readers).toEqual({ sse: 0, longPoll: 0 });
  });

  describe("live reads on one edge", () => {
    liveSuite(() => split.edgeA);
  });
});

/**
 * The official conformance suite in the production shape, against objects that
 * seal every append into an R2 segment (COLD_VARS), so each test's reads also
 * cross segment boundaries and stitch R2 with the hot log. (test/conformance.test.ts
 * runs it against one hot Worker; this is the only other run of the suite.)
 */
describe("conformance, requests alternating between the edges, every append sealed to R2", () => {
  const split = splitWorkers(COLD_VARS);

  runConformanceTests({
    // Read when each test runs, after beforeAll started the Workers.
    get baseUrl() {
      return split.url;
    },
    longPollTimeoutMs: Number(TEST_VARS.LONG_POLL_TIMEOUT_MS) + 2_000,
    subscriptions: true,
  });
});

describe("SSE reconnects that land on the other edge", () => {
  const split = splitWorkers({ ...TEST_VARS, SSE_CLOSE_AFTER_MS: String(SSE_RECONNECT_CLOSE_AFTER_MS) });

  // Each reconnect (and each write) goes to the other edge isolate.
  sseReconnectSuite(() => split.url);
});
