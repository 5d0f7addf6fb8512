/**
 * The live-read suite (test/live.test.ts), as a function so it also runs in
 * the split-isolates shape (test/split-isolates.test.ts): one hibernating feed
 * per isolate and stream, hand-off when the reader that opened it leaves,
 * collapsing, and the counters that prove what the StreamDO was asked. Every
 * request goes to `base()`: one edge isolate, whose /v1/metrics it reads.
 */
import { describe, expect, test } from "vitest";
import { openSse, type SseConnection } from "./sse-client.js";
import { streamUrl, waitFor } from "./util.js";

type Metrics = Record<string, number>;
type Stats = { constructedAt: number; feeds: number; framesSent: number; feedsAccepted: number };

const stats = async (url: string): Promise<Stats> =>
  (await (await fetch(url.replace("/v1/stream/", "/v1/_debug/storage/"))).json()) as Stats;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const post = (url: string, body: string) =>
  fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body }).then((r) => {
    if (r.status !== 204) throw new Error(`append answered ${r.status}`);
  });

async function readers(url: string, n: number): Promise<SseConnection[]> {
  const out: SseConnection[] = [];
  for (let i = 0; i < n; i++) out.push(await openSse(`${url}?offset=-1&live=sse`));
  await waitFor(() => out.every((r) => r.lastControl()?.upToDate === true), 10_000, "readers caught up");
  return out;
}

/** Defines the live-read tests against the edge at `base()` (read when each test runs). */
export function liveSuite(base: () => string): void {
  const metrics = async (): Promise<Metrics> => (await (await fetch(`${base()}/v1/metrics`)).json()) as Metrics;

  describe("live reads", () => {
    test("readers keep receiving every write exactly once after the StreamDO hibernates and is evicted", async () => {
      const url = streamUrl("live-hibernate", base());
      await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" }, body: "start;" });
      const conns = await readers(url, 5);
      const before = await stats(url);
      expect(before.feeds).toBe(1); // five readers, one feed from this isolate
      // workerd evicts an idle object whose only connections are hibernatable WebSockets.
      await sleep(12_000);
      for (let i = 0; i < 3; i++) await post(url, `m${i};`);
      await waitFor(() => conns.every((c) => c.text() === "start;m0;m1;m2;"), 10_000, "all readers got all writes");
      const after = await stats(url);
      expect(after.constructedAt).toBeGreaterThan(before.constructedAt); // a new instance: it was evicted
      expect(after.feeds).toBe(1);
      expect(after.framesSent).toBe(3); // once per write, not once per reader
      for (const c of conns) c.close();
    }, 40_000);

    test("when the reader that opened the feed leaves, the others still get every later write once", async () => {
      const url = streamUrl("live-handoff", base());
      await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" }, body: "0;" });
      const [owner, ...others] = await readers(url, 4);
      owner!.close();
      await post(url, "1;");
      // Past the feed's linger time: the feed closes and a remaining reader re-opens it.
      await sleep(2_000);
      await post(url, "2;");
      await sleep(1_500);
      await post(url, "3;");
      await waitFor(() => others.every((c) => c.text() === "0;1;2;3;"), 10_000, "remaining readers got every write");
      const m = await metrics();
      expect(m.feedsOpened).toBeGreaterThanOrEqual(2);
      for (const c of others) c.close();
    }, 30_000);

    test("50 long-polls at the tail cost a handful of StreamDO requests", async () => {
      const url = streamUrl("live-collapse", base());
      const put = await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" }, body: "x" });
      const tail = put.headers.get("stream-next-offset")!;
      const before = await metrics();
      // Each client long-polls again after a 204, as a real one does: the test's short
      // LONG_POLL_TIMEOUT_MS (1.5 s) must not decide whether all 50 are waiting when the write lands.
      const pollUntilData = async (): Promise<Response> => {
        let cursor = "";
        for (let i = 0; i < 20; i++) {
          const res = await fetch(`${url}?offset=${tail}&live=long-poll${cursor}`);
          if (res.status !== 204) return res;
          await res.arrayBuffer();
          cursor = `&cursor=${res.headers.get("stream-cursor")}`;
        }
        throw new Error("no data after 20 long-polls");
      };
      const polls = Array.from({ length: 50 }, pollUntilData);
      // Write only once all 50 wait on the feed: a poll arriving after the write would read it itself.
      // Counted apart from SSE readers: an SSE reader of an earlier test is open but not always
      // waiting (it writes, or its client left), so waiting readers minus open SSE could stay below 50.
      let seen: Metrics = {};
      const longPollsWaiting = async () => {
        seen = await metrics();
        return seen.longPollsWaiting!;
      };
      await waitFor(async () => (await longPollsWaiting()) >= 50, 10_000, "50 long-polls waiting").catch((e) => {
        const { readersWaiting, longPollsWaiting, sseOpen, longPollsOpen, feedsOpened, doReads } = seen;
        const last = JSON.stringify({ readersWaiting, longPollsWaiting, sseOpen, longPollsOpen, feedsOpened, doReads });
        throw new Error(`${(e as Error).message}; last metrics ${last}`);
      });
      await post(url, "payload");
      const responses = await Promise.all(polls);
      const bodies = await Promise.all(responses.map((r) => r.text()));
      expect(responses.every((r) => r.status === 200)).toBe(true);
      expect(bodies.every((b) => b === "payload")).toBe(true);
      const after = await metrics();
      const doReads = after.doReads! - before.doReads!;
      expect(doReads).toBeLessThanOrEqual(5);
      // Every reader got the write from the feed's memory, not from a read of its own.
      expect(after.feedHits! - before.feedHits!).toBeGreaterThanOrEqual(50);
      expect((await stats(url)).framesSent).toBe(1);
    });

    test("history chunks are served from the Workers Cache API without a StreamDO request", async () => {
      const url = streamUrl("live-cache", base());
      const chunk = "y".repeat(512 * 1024);
      await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" }, body: chunk });
      for (let i = 0; i < 4; i++) await post(url, chunk);
      const readAll = async () => {
        let offset = "-1";
        let total = 0;
        for (;;) {
          const res = await fetch(`${url}?offset=${offset}`);
          total += (await res.arrayBuffer()).byteLength;
          offset = res.headers.get("stream-next-offset")!;
          if (res.headers.get("stream-up-to-date") === "true") return total;
        }
      };
      expect(await readAll()).toBe(5 * chunk.length);
      const before = await metrics();
      expect(await readAll()).toBe(5 * chunk.length);
      const after = await metrics();
      expect(after.cacheHits! - before.cacheHits!).toBeGreaterThanOrEqual(2);
      expect(after.doReads! - before.doReads!).toBe(1); // only the tail chunk reaches the StreamDO
    });
  });

  describe("edge cache after delete", () => {
    test("a re-created stream's history is not served from the old stream's cached chunks", async () => {
      const url = streamUrl("live-cache-recreate", base());
      const chunk = (c: string) => c.repeat(300 * 1024); // more than one read chunk
      const create = (c: string) =>
        fetch(url, { method: "PUT", headers: { "content-type": "text/plain" }, body: chunk(c) });
      const first = async () => (await (await fetch(`${url}?offset=-1`)).text()).slice(0, 3);
      expect((await create("a")).status).toBe(201);
      expect(await first()).toBe("aaa");
      const before = await metrics();
      expect(await first()).toBe("aaa");
      expect((await metrics()).cacheHits! - before.cacheHits!).toBe(1); // the first chunk is cached
      expect((await fetch(url, { method: "DELETE" })).status).toBe(204);
      expect((await create("b")).status).toBe(201);
      // The edge keeps a chunk only as long as it trusts a segment head (SEGMENT_HEAD_CACHE_MS, 5 s).
      await sleep(5_500);
      expect(await first()).toBe("bbb");
    }, 20_000);
  });

  describe("metrics", () => {
    test("edge and per-stream counters account for each request, StreamDO call, row and feed frame", async () => {
      const url = streamUrl("live-metrics", base());
      const streamMetrics = async () =>
        (await (await fetch(url.replace("/v1/stream/", "/v1/metrics/stream/"))).json()) as Metrics;
      await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" }, body: "a;" });
      const conns = await readers(url, 3);
      const edge0 = await metrics();
      const do0 = await streamMetrics();
      for (let i = 0; i < 4; i++) await post(url, `b${i};`);
      await waitFor(() => conns.every((c) => c.text() === "a;b0;b1;b2;b3;"), 10_000, "readers got the writes");
      const edge1 = await metrics();
      const do1 = await streamMetrics();
      for (const c of conns) c.close();
      // Four appends: four Worker requests and four StreamDO calls (the metrics reads are not counted).
      expect(edge1.workerRequests! - edge0.workerRequests!).toBe(4);
      expect(edge1.doRequests! - edge0.doRequests!).toBe(4);
      // The StreamDO sent each write once to this isolate's feed, not once per reader.
      expect(do1.framesSent! - do0.framesSent!).toBe(4);
      expect(do1.feeds).toBe(1);
      // Each append writes its log row (the metadata row only when more than the tail changed:
      // test/append-rows.test.ts).
      expect(do1.rowsWritten! - do0.rowsWritten!).toBeGreaterThanOrEqual(4);
      expect(do1.rowsRead!).toBeGreaterThan(0);
    });
  });

  describe("request collapsing", () => {
    test("identical in-flight catch-up reads share one StreamDO request", async () => {
      const url = streamUrl("live-collapse-catchup", base());
      await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" }, body: "z".repeat(200_000) });
      const before = await metrics();
      const bodies = await Promise.all(
        Array.from({ length: 40 }, () => fetch(`${url}?offset=now`).then((r) => r.status)),
      );
      expect(bodies.every((s) => s === 200)).toBe(true);
      const after = await metrics();
      const reads = after.doReads! - before.doReads!;
      const collapsed = after.collapsedReads! - before.collapsedReads!;
      expect(reads + collapsed).toBe(40);
      expect(collapsed).toBeGreaterThan(0);
    });
  });
}
