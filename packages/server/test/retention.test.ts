/**
 * Retention in real workerd, on the cold Worker (every append is sealed into
 * its own R2 segment, heads are never cached): trims by offset, size, message
 * count and age on JSON and binary streams; reads before, at and after the
 * retained start; forks across a trimmed range; a trim crashed after each of
 * its steps; and the R2 objects really deleted.
 */
import { describe, expect, inject, test } from "vitest";
import { parseToken, r2Keys, readToEnd, settled, stats } from "./support/cold.js";
import { bytesOf, streamUrl } from "./support/util.js";
import { readAll, subscribe } from "./support/estuary.js";
import { eventually } from "./support/catalog.js";
import { admin, bearer, createProject, projectStreamUrl, tokenFor } from "./support/auth.js";

const cold = inject("coldBaseUrl");
const BIN = { "content-type": "application/octet-stream" };
const JSON_CT = { "content-type": "application/json" };
const STEPS = ["intent", "start", "rows", "objects"] as const;

async function create(url: string, headers: Record<string, string>): Promise<void> {
  expect((await fetch(url, { method: "PUT", headers })).status).toBe(201);
}

/** Appends each body; returns the next offset after each. */
async function appendAll(url: string, headers: Record<string, string>, bodies: (string | Uint8Array)[]) {
  const offsets: string[] = [];
  for (const body of bodies) {
    const res = await fetch(url, { method: "POST", headers, body });
    expect(res.status).toBe(204);
    offsets.push(res.headers.get("stream-next-offset")!);
  }
  await settled(url, (s) => s.logRows === 0);
  return offsets;
}

async function startOf(url: string): Promise<number> {
  const res = await fetch(url, { method: "HEAD" });
  expect(res.status).toBe(200);
  return parseToken(res.headers.get("stream-start-offset")!).position;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function bytesFrom(url: string, offset = "-1"): Promise<Uint8Array> {
  const { bodies } = await readToEnd(url, offset);
  return Uint8Array.from(bodies.flatMap((b) => [...b]));
}

/** The segment numbers whose R2 objects exist for the stream (the head aside). */
async function segmentObjects(url: string): Promise<number[]> {
  return (await r2Keys(url)).filter((k) => !k.endsWith("/head")).map((k) => Number(k.split("/").at(-1)));
}

interface Inspected {
  offsets: { start: string; bytes: number; trimmed: boolean };
  hot: { start: number; end: number; bytes: number };
  segments: unknown[];
  retention: { startOffset: string; limits: Record<string, number | null> };
}
interface Listed {
  bytes: number;
  messages: number;
  startOffset: string;
  retention: Record<string, number | null>;
}

const pieces = (n: number) => Array.from({ length: n }, (_, i) => bytesOf(100, i + 1));
const joined = (ps: Uint8Array[]) => Uint8Array.from(ps.flatMap((p) => [...p]));

describe("retention", () => {
  test("trim before an offset: 410 before, data at and after, -1 and HEAD at the start, objects deleted", async () => {
    const s = streamUrl("ret-offset", cold);
    await create(s, BIN);
    const ps = pieces(5);
    const offsets = await appendAll(s, BIN, ps);
    expect(await segmentObjects(s)).toEqual([0, 1, 2, 3, 4]);

    const trim = await fetch(s, { method: "PATCH", headers: { "stream-trim-before": offsets[2]! } });
    expect(trim.status).toBe(204);
    expect(parseToken(trim.headers.get("stream-start-offset")!).position).toBe(300);
    // Segment-granular: a point inside a segment keeps that segment.
    await fetch(s, {
      method: "PATCH",
      headers: { "stream-trim-before": `${offsets[2]!.split("_")[0]}_${"350".padStart(16, "0")}` },
    });
    expect(await startOf(s)).toBe(300);

    const before = await fetch(`${s}?offset=${offsets[0]}`);
    expect(before.status).toBe(410);
    expect(((await before.json()) as { error: { code: string } }).error.code).toBe("offset_trimmed");
    expect(parseToken(before.headers.get("stream-start-offset")!).position).toBe(300);
    expect(await bytesFrom(s, offsets[2])).toEqual(joined(ps.slice(3)));
    expect(await bytesFrom(s)).toEqual(joined(ps.slice(3)));
    expect(await bytesFrom(s, offsets[3])).toEqual(ps[4]);
    expect(await segmentObjects(s)).toEqual([3, 4]);
    expect((await stats(s)).logRows).toBe(0);

    // Appends and seals carry on after a trim.
    await appendAll(s, BIN, [bytesOf(50, 9)]);
    expect(await bytesFrom(s)).toEqual(joined([...ps.slice(3), bytesOf(50, 9)]));
    // A trim past the tail is refused and changes nothing.
    const bad = await fetch(s, { method: "PATCH", headers: { "stream-trim-before": `0_${"9".repeat(16)}` } });
    expect(bad.status).toBe(400);
  });

  test("inspection and catalog show the retained range and limits, also when every segment is trimmed", async () => {
    const s = streamUrl("ret-inspect", cold);
    await create(s, { ...BIN, "stream-retention-seconds": "86400" });
    const offsets = await appendAll(s, BIN, pieces(3));
    // Trim every sealed segment: the trimmed marker row is the last segment row.
    expect((await fetch(s, { method: "PATCH", headers: { "stream-trim-before": offsets[2]! } })).status).toBe(204);
    const name = s.slice(s.indexOf("/v1/stream/") + "/v1/stream/".length);
    const limits = { bytes: null, messages: null, seconds: 86400 };
    const got = await eventually(
      async () => {
        const res = await fetch(`${cold}/v1/projects/default/streams/${name}`, {
          headers: { authorization: `Bearer ${inject("adminToken")}` },
        });
        return (await res.json()) as { stream: Inspected; catalog: Listed | null };
      },
      (v) => v.catalog?.startOffset === v.stream.retention.startOffset,
    );
    const { stream, catalog } = got;
    expect(parseToken(stream.retention.startOffset).position).toBe(300);
    expect(stream.retention.limits).toEqual(limits);
    expect(stream.offsets).toMatchObject({ start: stream.retention.startOffset, bytes: 0, trimmed: true });
    expect(stream.hot).toMatchObject({ start: 300, end: 300, bytes: 0 });
    expect(stream.segments).toEqual([]);
    expect(catalog).toMatchObject({ bytes: 0, messages: 0, segments: 0, retention: limits });
  });

  test("size and message limits on JSON; a limit changed later applies at once", async () => {
    const s = streamUrl("ret-size", cold);
    await create(s, { ...JSON_CT, "stream-retention-bytes": "30" });
    const msgs = Array.from({ length: 6 }, (_, i) => JSON.stringify({ i, p: "xxxxxxxx" }));
    await appendAll(s, JSON_CT, msgs);
    await until(async () => (await segmentObjects(s)).join() === "4,5", "the size limit to trim");
    const kept = (await (await fetch(`${s}?offset=-1`)).json()) as { i: number }[];
    // At least 30 bytes (two 20-byte messages) and at most one segment more.
    expect(kept.map((m) => m.i)).toEqual([4, 5]);
    expect(await segmentObjects(s)).toEqual([4, 5]);

    const patch = await fetch(s, { method: "PATCH", headers: { "stream-retention-messages": "1" } });
    expect(patch.status).toBe(204);
    const head = await fetch(s, { method: "HEAD" });
    expect(head.headers.get("stream-retention-messages")).toBe("1");
    expect(head.headers.get("stream-retention-bytes")).toBe("30");
    expect(((await (await fetch(`${s}?offset=-1`)).json()) as { i: number }[]).map((m) => m.i)).toEqual([5]);
    expect(await segmentObjects(s)).toEqual([5]);
  });

  test("age limit on a binary stream: history older than the limit goes from the alarm", async () => {
    const s = streamUrl("ret-age", cold);
    await create(s, { ...BIN, "stream-retention-seconds": "1" });
    const offsets = await appendAll(s, BIN, pieces(3));
    await until(async () => (await segmentObjects(s)).length === 0, "aged segments to go");
    expect(await startOf(s)).toBe(300);
    expect((await fetch(`${s}?offset=${offsets[0]}`)).status).toBe(410);
    const empty = await fetch(`${s}?offset=-1`);
    expect(empty.status).toBe(200);
    expect(empty.headers.get("stream-up-to-date")).toBe("true");
    expect(new Uint8Array(await empty.arrayBuffer()).length).toBe(0);
  });

  test("bad retention headers are a 400 and create nothing", async () => {
    const s = streamUrl("ret-bad", cold);
    const res = await fetch(s, { method: "PUT", headers: { ...BIN, "stream-retention-bytes": "lots" } });
    expect(res.status).toBe(400);
    expect((await fetch(s, { method: "HEAD" })).status).toBe(404);
    await create(s, BIN);
    expect((await fetch(s, { method: "PATCH" })).status).toBe(400);
  });

  test("project defaults fill in, caps refuse more; a bad project retention is refused", async () => {
    const p = await createProject("ret", { retention: { defaults: { seconds: 3600 }, caps: { bytes: 1000 } } });
    const auth = bearer(await tokenFor(p, "write"));
    const a = projectStreamUrl(p.name, "a");
    expect((await fetch(a, { method: "PUT", headers: { ...BIN, ...auth } })).status).toBe(201);
    const head = await fetch(a, { method: "HEAD", headers: auth });
    expect(head.headers.get("stream-retention-seconds")).toBe("3600");
    expect(head.headers.get("stream-retention-bytes")).toBe("1000");
    const over = { ...BIN, ...auth, "stream-retention-bytes": "5000" };
    const b = projectStreamUrl(p.name, "b");
    const refused = await fetch(b, { method: "PUT", headers: over });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("retention_above_cap");
    expect((await fetch(b, { method: "HEAD", headers: auth })).status).toBe(404);
    const patch = await fetch(a, { method: "PATCH", headers: { ...auth, "stream-retention-bytes": "0" } });
    expect(patch.status).toBe(400);
    const bad = await admin(`/${p.name}`, {
      method: "PATCH",
      body: JSON.stringify({ retention: { defaults: { bytes: 5000 }, caps: { bytes: 1000 } } }),
    });
    expect(bad.status).toBe(400);
  });

  test("a fork pins its source's history until it trims its own view of it", async () => {
    const src = streamUrl("ret-src", cold);
    await create(src, BIN);
    const ps = pieces(4);
    const offsets = await appendAll(src, BIN, ps);
    const fork = streamUrl("ret-fork", cold);
    await create(fork, { ...BIN, "stream-forked-from": new URL(src).pathname });
    await appendAll(fork, BIN, [bytesOf(30, 7)]);
    const fork2 = streamUrl("ret-fork2", cold);
    await create(fork2, { ...BIN, "stream-forked-from": new URL(src).pathname, "stream-fork-offset": offsets[1]! });

    // The source's limit waits while forks read its history.
    await fetch(src, { method: "PATCH", headers: { "stream-retention-messages": "1" } });
    expect(await startOf(src)).toBe(0);
    expect(await bytesFrom(fork)).toEqual(joined([...ps, bytesOf(30, 7)]));

    // The fork trims its inherited range: its view moves, the source keeps what the other fork reads.
    const t = await fetch(fork, { method: "PATCH", headers: { "stream-trim-before": offsets[3]! } });
    expect(parseToken(t.headers.get("stream-start-offset")!).position).toBe(400);
    expect((await fetch(`${fork}?offset=${offsets[1]}`)).status).toBe(410);
    expect(await bytesFrom(fork)).toEqual(bytesOf(30, 7));
    expect(await bytesFrom(src)).toEqual(joined(ps));
    expect(await bytesFrom(fork2)).toEqual(joined(ps.slice(0, 2)));

    // Once the other fork is gone too, the source's limit applies.
    expect((await fetch(fork2, { method: "DELETE" })).status).toBe(204);
    await until(async () => (await startOf(src)) === 300, "the source to trim after its forks let go");
    expect(await bytesFrom(src)).toEqual(ps[3]);
    expect(await segmentObjects(src)).toEqual([3]);
    // Forking before the source's start is refused; at it, the fork starts there.
    const early = await fetch(streamUrl("ret-fork3", cold), {
      method: "PUT",
      headers: { ...BIN, "stream-forked-from": new URL(src).pathname, "stream-fork-offset": offsets[0]! },
    });
    expect(early.status).toBe(410);
    const fork3 = streamUrl("ret-fork4", cold);
    await create(fork3, { ...BIN, "stream-forked-from": new URL(src).pathname });
    expect(await startOf(fork3)).toBe(300);
    expect(await bytesFrom(fork3)).toEqual(ps[3]);
  });

  test("an estuary session's stream takes retention by PATCH", async () => {
    const src = streamUrl("ret-es-src", cold);
    await create(src, JSON_CT);
    const id = `ret-es-${Date.now().toString(36)}`;
    await subscribe(cold, new URL(src).pathname.replace("/v1/stream/", ""), id);
    const session = `${cold}/v1/stream/default/${id}`;
    const patch = await fetch(session, { method: "PATCH", headers: { "stream-retention-messages": "1" } });
    expect(patch.status).toBe(204);
    for (let i = 0; i < 3; i++) await appendAll(src, JSON_CT, [JSON.stringify({ i })]);
    await until(async () => (await readAll(session)).length === 1, "the session stream to keep one message");
    expect((await readAll(session))[0]!.data).toEqual({ i: 2 });
    expect(await startOf(session)).toBeGreaterThan(0);
  });

  test("a trim crashed after each step reads consistently and is finished from the alarm, no orphan", async () => {
    for (const step of STEPS) {
      const s = streamUrl(`ret-crash-${step}`, cold);
      await create(s, BIN);
      const ps = pieces(4);
      const offsets = await appendAll(s, BIN, ps);
      const res = await fetch(`${s.replace("/v1/stream/", "/v1/_debug/trim/")}?before=200&crash=${step}`, {
        method: "POST",
      });
      expect(((await res.json()) as { crashed: boolean }).crashed, step).toBe(true);
      // Right after the crash: either the old start with all data, or the new one, never a mix.
      const start = await startOf(s);
      expect(start, step).toBe(step === "intent" ? 0 : 200);
      expect(await bytesFrom(s)).toEqual(joined(ps.slice(start / 100)));
      expect(await bytesFrom(s, offsets[2])).toEqual(ps[3]);
      if (start === 200) expect((await fetch(`${s}?offset=${offsets[0]}`)).status).toBe(410);
      // The alarm finishes the trim: every dropped object deleted, the rest kept.
      await until(async () => (await segmentObjects(s)).join() === "2,3", `the trim after ${step} to finish`);
      expect(await startOf(s)).toBe(200);
      expect(await bytesFrom(s)).toEqual(joined(ps.slice(2)));
      expect((await stats(s)).segments).toBe(2);
    }
  });
});
