/**
 * Stitched reads across R2 segments and the hot log, in real workerd with its
 * local R2: large byte and JSON streams (main Worker, 4 MiB / 8000-message
 * segments) read back byte-exact from random offsets and from start to end,
 * and sealed history (on the Worker that seals every append) is served at the
 * edge with zero StreamDO requests.
 */
import { describe, expect, inject, test } from "vitest";
import { TEST_VARS } from "./global-setup.js";
import { bytesOf } from "./support/util.js";
import { metrics, parseToken, pool, readToEnd, rng, settled, stats, token } from "./support/cold.js";

/** The main Worker seals at 4 MiB / 8000 messages (TEST_VARS); the cold one seals every append. */
const main = inject("baseUrl");
const base = inject("coldBaseUrl");
const MiB = 1024 * 1024;
let n = 0;
const url = (name: string, on = base) => `${on}/v1/stream/${name}-${Date.now().toString(36)}-${++n}`;

/** For a position, the segment of the first append token at or after it (what a client would hold). */
function segmentFor(ends: { position: number; segment: number }[], p: number): number {
  let lo = 0;
  let hi = ends.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ends[mid]!.position >= p) hi = mid;
    else lo = mid + 1;
  }
  return ends[lo]!.segment;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe("cold reads", () => {
  test("a 64 MiB byte stream in random appends reads back byte-exact", async () => {
    const s = url("cold-bytes", main);
    const total = 64 * MiB;
    const data = bytesOf(total, 7);
    const rand = rng(11);
    expect((await fetch(s, { method: "PUT", headers: { "content-type": "application/octet-stream" } })).status).toBe(
      201,
    );
    const ends = [{ position: 0, segment: 0 }];
    for (let at = 0; at < total;) {
      const size = Math.min(
        total - at,
        rand() < 0.25 ? 1 + Math.floor(rand() * 4096) : 1 + Math.floor(rand() * 2 * MiB),
      );
      const res = await fetch(s, {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: data.subarray(at, at + size),
      });
      expect(res.status).toBe(204);
      at += size;
      const t = parseToken(res.headers.get("stream-next-offset")!);
      expect(t.position).toBe(at);
      ends.push(t);
    }
    expect((await settled(s, (st) => st.segments >= 10)).segments).toBeGreaterThanOrEqual(10);

    const before = await metrics(main);
    const positions = Array.from({ length: 500 }, () => Math.floor(rand() * total));
    await pool(positions, 4, async (p) => {
      const res = await fetch(`${s}?offset=${token(segmentFor(ends, p), p)}`);
      expect(res.status).toBe(200);
      const body = new Uint8Array(await res.arrayBuffer());
      expect(body.length).toBeGreaterThan(0);
      const next = parseToken(res.headers.get("stream-next-offset")!);
      expect(next.position).toBe(p + body.length);
      expect(Buffer.compare(body, data.subarray(p, p + body.length)), `bytes at ${p}`).toBe(0);
    });
    const after = await metrics(main);
    // Most random offsets are history: the edge answered them from R2.
    expect(after.coldReads! - before.coldReads!).toBeGreaterThan(250);

    const { bodies } = await readToEnd(s);
    const all = concat(bodies);
    expect(all.length).toBe(total);
    expect(Buffer.compare(all, data)).toBe(0);
  }, 300_000);

  test("a JSON stream of 100k messages stays a valid array across segments", async () => {
    const s = url("cold-json", main);
    const rand = rng(23);
    const messages = Array.from({ length: 100_000 }, (_, i) =>
      JSON.stringify({ i, s: "x".repeat(Math.floor(rand() * 40)), u: "é✓" }),
    );
    const enc = new TextEncoder();
    const starts: number[] = [];
    let pos = 0;
    for (const m of messages) {
      starts.push(pos);
      pos += enc.encode(m).length;
    }
    expect((await fetch(s, { method: "PUT", headers: { "content-type": "application/json" } })).status).toBe(201);
    const ends = [{ position: 0, segment: 0 }];
    for (let i = 0; i < messages.length;) {
      const count = Math.min(messages.length - i, 1 + Math.floor(rand() * 2500));
      const res = await fetch(s, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: `[${messages.slice(i, i + count).join(",")}]`,
      });
      expect(res.status).toBe(204);
      i += count;
      ends.push(parseToken(res.headers.get("stream-next-offset")!));
    }
    expect(ends.at(-1)!.position).toBe(pos);
    expect((await settled(s, (st) => st.segments >= 10)).segments).toBeGreaterThanOrEqual(10);

    const before = await metrics(main);
    const picks = Array.from({ length: 500 }, () => Math.floor(rand() * messages.length));
    await pool(picks, 4, async (k) => {
      const p = starts[k]!;
      const res = await fetch(`${s}?offset=${token(segmentFor(ends, p), p)}`);
      expect(res.status).toBe(200);
      const text = await res.text();
      const items = JSON.parse(text) as unknown[];
      expect(items.length).toBeGreaterThan(0);
      expect(text).toBe(`[${messages.slice(k, k + items.length).join(",")}]`);
      expect(parseToken(res.headers.get("stream-next-offset")!).position).toBe(starts[k + items.length] ?? pos);
    });

    expect((await metrics(main)).coldReads! - before.coldReads!).toBeGreaterThan(250);

    const { bodies } = await readToEnd(s);
    const dec = new TextDecoder();
    const all = bodies.flatMap((b) => JSON.parse(dec.decode(b)) as unknown[]);
    expect(all.length).toBe(messages.length);
    expect(all.map((m) => JSON.stringify(m))).toEqual(messages);
  }, 300_000);

  test("reads of sealed history make zero StreamDO requests", async () => {
    const s = url("cold-zero");
    const CHUNK = Number(TEST_VARS.MAX_READ_BYTES);
    const data = bytesOf(8 * CHUNK, 3);
    await fetch(s, { method: "PUT", headers: { "content-type": "application/octet-stream" } });
    const tokens: string[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await fetch(s, {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: data.subarray(i * CHUNK, (i + 1) * CHUNK),
      });
      tokens.push(res.headers.get("stream-next-offset")!);
    }
    await settled(s);
    // History: from the start, and from the end of each of the first six appends.
    const offsets = ["-1", ...tokens.slice(0, 6)];
    const m0 = await metrics(base);
    const s0 = await stats(s);
    for (const round of [1, 2]) {
      for (const o of offsets) {
        const res = await fetch(`${s}?offset=${o}`);
        expect(res.status, `round ${round} offset ${o}`).toBe(200);
        const p = o === "-1" ? 0 : parseToken(o).position;
        const body = new Uint8Array(await res.arrayBuffer());
        expect(body.length).toBe(CHUNK);
        expect(Buffer.compare(body, data.subarray(p, p + CHUNK))).toBe(0);
        expect(res.headers.get("stream-up-to-date")).toBeNull();
      }
    }
    const m1 = await metrics(base);
    const s1 = await stats(s);
    for (const k of ["doReads", "doWrites", "doOther"]) expect(m1[k], k).toBe(m0[k]);
    // This Worker trusts no segment head (SEGMENT_HEAD_CACHE_MS=0), which also turns the
    // URL-keyed chunk cache off: both rounds take the cold path, the second from the
    // immutable segment cache (keyed by instance, so a re-created stream never hits it).
    expect(m1.coldReads! - m0.coldReads!).toBe(2 * offsets.length);
    expect(m1.coldCacheHits! - m0.coldCacheHits!).toBe(offsets.length);
    expect(m1.cacheHits! - m0.cacheHits!).toBe(0);
    // The StreamDO's own counter agrees (unless it was evicted meanwhile, when it restarts at 0).
    expect(s1.served.reads).toBe(s1.constructedAt === s0.constructedAt ? s0.served.reads : 0);
    const own = (await (await fetch(s.replace("/v1/stream/", "/v1/metrics/stream/"))).json()) as typeof s1;
    expect(own.served.reads).toBe(s1.served.reads);

    // The last chunk reaches the hot log, so the StreamDO answers it (and says up-to-date).
    const tail = await fetch(`${s}?offset=${tokens[6]}`);
    expect(tail.headers.get("stream-up-to-date")).toBe("true");
    expect((await metrics(base)).doReads).toBe(m1.doReads! + 1);
  }, 120_000);
});
