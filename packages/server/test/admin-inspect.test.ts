/**
 * Stream inspection, estuary sessions and metrics through the admin read API
 * against the local Workers: hot vs sealed ranges with R2 keys (the cold
 * Worker seals every append), producers, forks, subscribers with lag, and
 * per-minute counts for the project and the stream.
 */
import { describe, expect, inject, test } from "vitest";
import { admin } from "./support/auth.js";
import { appendText, eventually, putStream } from "./support/catalog.js";
import { subscribe } from "./support/estuary.js";

const run = `ins${Date.now().toString(36)}`;

interface Segment {
  seq: number;
  sealed: boolean;
  start: number;
  end: number;
  r2Key: string;
}
interface Inspected {
  stream: {
    name: string;
    offsets: { bytes: number };
    segments: Segment[];
    hot: object;
    producers: { list: object[] };
    fork: { parent: string | null; forks: number; list: { name: string; offset: string }[] };
    estuary: { lastOutboxId: number; subscribers: { lag: number }[] };
  };
  catalog: object | null;
}
interface SessionAnswer {
  session: { estuaryId: string };
  subscriptions: { stream: string; lag: number | null; parked: unknown }[];
}

async function adminAt(base: string, path: string): Promise<Response> {
  return fetch(`${base}/v1/projects${path}`, { headers: { authorization: `Bearer ${inject("adminToken")}` } });
}

describe("stream inspection", () => {
  test("shows sealed segments with R2 keys, the hot range, producers and forks", async () => {
    const base = inject("coldBaseUrl");
    const url = `${base}/v1/stream/default/${run}-cold`;
    expect((await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" } })).status).toBe(201);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "text/plain",
          "producer-id": "p1",
          "producer-epoch": "0",
          "producer-seq": String(i),
        },
        body: `m${i}`,
      });
      expect(res.status).toBe(200);
    }
    const fork = await fetch(`${base}/v1/stream/default/${run}-cold-fork`, {
      method: "PUT",
      headers: { "stream-forked-from": `/v1/stream/default/${run}-cold` },
    });
    expect(fork.status).toBe(201);
    const inspected = await eventually(
      async () => (await (await adminAt(base, `/default/streams/${run}-cold`)).json()) as Inspected,
      (j) => j.stream?.segments?.filter((s) => s.sealed).length === 3,
    );
    const s = inspected.stream;
    expect(s.name).toBe(`${run}-cold`);
    expect(s.offsets.bytes).toBe(6);
    expect(s.segments.map((x) => [x.start, x.end])).toEqual([
      [0, 2],
      [2, 4],
      [4, 6],
    ]);
    // The R2 keys are the objects the stream really stored.
    const stored = (await (await fetch(`${base}/v1/_debug/segments/default/${run}-cold`)).json()) as { keys: string[] };
    for (const seg of s.segments) expect(stored.keys).toContain(seg.r2Key);
    expect(s.hot).toMatchObject({ start: 6, end: 6, bytes: 0 });
    expect(s.producers.list).toEqual([expect.objectContaining({ id: "p1", epoch: 0, seq: 2 })]);
    expect(s.fork.forks).toBe(1);
    expect(s.fork.list).toEqual([
      expect.objectContaining({ name: `${run}-cold-fork`, offset: s.fork.list[0]?.offset }),
    ]);
    expect(s.fork.list[0]?.offset).toMatch(/^\d{16}_\d{16}$/);
    const forkView = (await (await adminAt(base, `/default/streams/${run}-cold-fork`)).json()) as Inspected;
    expect(forkView.stream.fork.parent).toBe(`${run}-cold`);
    expect(forkView.catalog).toMatchObject({ name: `${run}-cold-fork`, forkOf: `${run}-cold` });
    expect((await adminAt(base, `/default/streams/${run}-nope`)).status).toBe(404);
  });

  test("estuary: subscribers with lag on the source, sessions listed with their subscriptions", async () => {
    const base = inject("baseUrl");
    const src = await putStream(`${run}-src`, { "content-type": "application/json" });
    await subscribe(base, `${run}-src`, `${run}-tab`);
    const pub = await fetch(src, { method: "POST", headers: { "content-type": "application/json" }, body: '{"a":1}' });
    expect(pub.status).toBe(204);
    const view = await eventually(
      async () => (await (await admin(`/default/streams/${run}-src`)).json()) as Inspected,
      (j) => j.stream.estuary.subscribers[0]?.lag === 0 && j.stream.estuary.lastOutboxId === 1,
    );
    expect(view.stream.estuary.subscribers).toEqual([expect.objectContaining({ lag: 0 })]);
    const sessions = await eventually(
      async () => (await (await admin(`/default/sessions?prefix=${run}`)).json()) as { streams: { name: string }[] },
      (j) => j.streams.length === 1,
    );
    expect(sessions.streams.map((x) => x.name)).toEqual([`${run}-tab`]);
    const one = (await (await admin(`/default/sessions/${run}-tab`)).json()) as SessionAnswer;
    expect(one.subscriptions).toEqual([{ stream: `${run}-src`, lag: 0, parked: null }]);
    expect(one.session.estuaryId).toBe(`${run}-tab`);
  });
});

describe("metrics", () => {
  test("per-minute counts for the project and the stream", async () => {
    const url = await putStream(`${run}-m`);
    for (let i = 0; i < 4; i++) await appendText(url, "hello");
    // A chunked body (no Content-Length) counts the bytes stored, not 0.
    const chunked = new ReadableStream<Uint8Array>({
      start(ctl) {
        ctl.enqueue(new TextEncoder().encode("hel"));
        ctl.enqueue(new TextEncoder().encode("lo"));
        ctl.close();
      },
    });
    const init = { method: "POST", headers: { "content-type": "text/plain" }, body: chunked, duplex: "half" };
    expect((await fetch(url, init as RequestInit)).status).toBe(204);
    const read = await fetch(`${url}?offset=-1`);
    expect(await read.text()).toBe("hello".repeat(5));
    expect((await fetch(`${url}-missing?offset=-1`)).status).toBe(404);
    const sum = (points: Record<string, number>[], k: string) => points.reduce((a, p) => a + (p[k] ?? 0), 0);
    const q = `/default/metrics?stream=${run}-m&from=${Date.now() - 120_000}`;
    const stream = await eventually(
      async () => (await (await admin(q)).json()) as { points: Record<string, number>[] },
      (j) => sum(j.points, "appends") === 5 && sum(j.points, "bytesOut") === 25 && sum(j.points, "bytesIn") === 25,
    );
    expect(sum(stream.points, "appends")).toBe(5);
    expect(sum(stream.points, "bytesIn")).toBe(25);
    expect(sum(stream.points, "reads")).toBe(1);
    expect(sum(stream.points, "bytesOut")).toBe(25);
    expect(stream.points.length).toBeGreaterThanOrEqual(2); // the minutes of [from, now]
    expect(stream.points.length).toBeLessThanOrEqual(3);
    const project = (await (await admin(`/default/metrics?resolution=300`)).json()) as {
      points: Record<string, number>[];
      resolution: number;
    };
    expect(project.resolution).toBe(300);
    expect(project.points.length).toBeGreaterThanOrEqual(12); // one hour in 5-minute buckets
    expect(project.points.length).toBeLessThanOrEqual(13);
    expect(project.points.every((p) => (p.t ?? 1) % 300_000 === 0)).toBe(true);
    expect(sum(project.points, "appends")).toBeGreaterThanOrEqual(5);
    expect(sum(project.points, "status4xx")).toBeGreaterThanOrEqual(1);
    for (const bad of ["resolution=7", "from=yesterday", `from=${Date.now()}&to=${Date.now() - 1000}`, `from=0`]) {
      expect((await admin(`/default/metrics?${bad}`)).status, bad).toBe(400);
    }
  });
});
