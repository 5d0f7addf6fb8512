/**
 * Stream lifetimes with R2 segments (on the Worker that seals every append):
 * deleting or expiring a stream deletes its segments — retried when R2 fails,
 * and for a soft-deleted fork source once its last fork goes — a recreated
 * stream never sees an earlier instance's segments, and forks read through
 * their source's segments.
 */
import { describe, expect, inject, test } from "vitest";
import { TEST_VARS } from "./global-setup.js";
import { metrics, parseToken, r2Keys, readToEnd, settled, stats, token } from "./support/cold.js";

const base = inject("coldBaseUrl");
let n = 0;
const url = (name: string) => `${base}/v1/stream/${name}-${Date.now().toString(36)}-${++n}`;
const dec = new TextDecoder();

async function post(s: string, body: string, type = "text/plain"): Promise<string> {
  const res = await fetch(s, { method: "POST", headers: { "content-type": type }, body });
  expect(res.status).toBe(204);
  return res.headers.get("stream-next-offset")!;
}

async function text(s: string, offset = "-1"): Promise<string> {
  return (await readToEnd(s, offset)).bodies.map((b) => dec.decode(b)).join("");
}

async function items(s: string, offset = "-1"): Promise<unknown[]> {
  return (await readToEnd(s, offset)).bodies.flatMap((b) => JSON.parse(dec.decode(b)) as unknown[]);
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("cold lifecycle", () => {
  test("DELETE removes every segment; a recreated stream never reads the old ones", async () => {
    const s = url("cold-del");
    await fetch(s, { method: "PUT", headers: { "content-type": "text/plain" }, body: "old-0;" });
    const tokens = [await post(s, "old-1;"), await post(s, "old-2;"), await post(s, "old-3;")];
    const st = await settled(s);
    expect(st.segments).toBeGreaterThanOrEqual(2);
    expect((await r2Keys(s)).length).toBe(st.segments + 1);
    expect((await fetch(s, { method: "DELETE" })).status).toBe(204);
    expect(await r2Keys(s)).toEqual([]);
    expect(await stats(s)).toMatchObject({ meta: false, logRows: 0, segments: 0, purges: 0 });

    await fetch(s, { method: "PUT", headers: { "content-type": "text/plain" }, body: "NEW-0;" });
    await post(s, "NEW-1;");
    await post(s, "NEW-2;");
    await settled(s);
    expect(await text(s)).toBe("NEW-0;NEW-1;NEW-2;");
    // Offsets of the old instance address the new data (or are past its tail), never old bytes.
    for (const t of tokens) {
      const res = await fetch(`${s}?offset=${t}`);
      if (res.status === 200) expect(await res.text()).not.toContain("old");
      else expect(res.status).toBe(400);
    }
    const { instance } = await stats(s);
    const keys = await r2Keys(s);
    expect(keys.every((k) => k.endsWith("/head") || k.includes(`/${instance}/`))).toBe(true);
  });

  test("a failed purge is retried from the alarm until the segments are gone", async () => {
    const s = url("cold-retry");
    await fetch(s, { method: "PUT", headers: { "content-type": "text/plain" }, body: "a;" });
    await post(s, "b;");
    await settled(s);
    const before = (await r2Keys(s)).length;
    expect(before).toBeGreaterThan(1);
    const fail = await fetch(`${s.replace("/v1/stream/", "/v1/_debug/fail-purges/")}?count=2`, { method: "POST" });
    expect(fail.status).toBe(200);
    expect((await fetch(s, { method: "DELETE" })).status).toBe(204);
    expect((await fetch(s, { method: "HEAD" })).status).toBe(404);
    const pending = await stats(s);
    expect(pending).toMatchObject({ meta: false, purges: 1 });
    expect(pending.alarmAt).not.toBeNull();
    expect((await r2Keys(s)).length).toBe(before);
    await until(async () => (await r2Keys(s)).length === 0, "the purge retries");
    await until(async () => (await stats(s)).purges === 0, "the purge record to go");
  }, 30_000);

  test("an expired stream's segments are deleted by its alarm", async () => {
    const s = url("cold-ttl");
    await fetch(s, { method: "PUT", headers: { "content-type": "text/plain", "stream-ttl": "1" }, body: "t;" });
    await post(s, "u;");
    await settled(s);
    expect((await r2Keys(s)).length).toBeGreaterThan(1);
    await until(async () => (await r2Keys(s)).length === 0, "expiry to purge the segments");
    expect(await stats(s)).toMatchObject({ meta: false, segments: 0, purges: 0 });
  }, 30_000);

  test("forks read through their source's segments; a soft-deleted source's go with its last fork", async () => {
    const src = url("cold-src");
    const fork = url("cold-fork");
    const json = "application/json";
    const created = await fetch(src, { method: "PUT", headers: { "content-type": json }, body: '[{"m":0},{"m":1}]' });
    // The offset where the batch [m2, m3, m4] starts.
    const t1 = created.headers.get("stream-next-offset")!;
    await post(src, '[{"m":2},{"m":3},{"m":4}]', json);
    await post(src, '[{"m":5}]', json);
    await settled(src);
    // Fork one message into the batch that starts at t1 (which now lives in R2).
    const put = await fetch(fork, {
      method: "PUT",
      headers: { "stream-forked-from": new URL(src).pathname, "stream-fork-offset": t1, "stream-fork-sub-offset": "1" },
    });
    expect(put.status).toBe(201);
    await post(fork, '[{"f":0},{"f":1}]', json);
    await post(fork, '{"f":2}', json);
    await settled(fork);
    const expected = '[{"m":0},{"m":1},{"m":2}][{"f":0},{"f":1}][{"f":2}]'.replace(/\]\[/g, ",");
    expect(JSON.stringify(await items(fork))).toBe(expected);
    // A fork offset inside the inherited range, then one in the fork's own segments.
    const mid = parseToken(t1).position;
    expect(await items(fork, token(parseToken(t1).segment, mid))).toEqual([{ m: 2 }, { f: 0 }, { f: 1 }, { f: 2 }]);

    expect((await fetch(src, { method: "DELETE" })).status).toBe(204);
    expect((await r2Keys(src)).length).toBeGreaterThan(1);
    expect(JSON.stringify(await items(fork))).toBe(expected);
    expect((await fetch(fork, { method: "DELETE" })).status).toBe(204);
    expect(await r2Keys(fork)).toEqual([]);
    expect(await r2Keys(src)).toEqual([]);
    expect(await stats(src)).toMatchObject({ meta: false, purges: 0 });
  }, 30_000);

  test("a soft-deleted source answers 410 at the edge too, while its fork still reads its segments", async () => {
    const src = url("cold-soft");
    const fork = url("cold-soft-fork");
    const chunk = Number(TEST_VARS.MAX_READ_BYTES);
    const bytes = "0123456789abcdef".repeat((4 * chunk) / 16);
    await fetch(src, { method: "PUT", headers: { "content-type": "text/plain" } });
    for (let i = 0; i < 4; i++) await post(src, bytes.slice(i * chunk, (i + 1) * chunk));
    await settled(src);
    const before = (await metrics(base)).coldReads!;
    expect((await fetch(`${src}?offset=-1`)).status).toBe(200);
    expect((await metrics(base)).coldReads).toBe(before + 1);

    expect(
      (await fetch(fork, { method: "PUT", headers: { "stream-forked-from": new URL(src).pathname } })).status,
    ).toBe(201);
    expect((await fetch(src, { method: "DELETE" })).status).toBe(204);
    const gone = await fetch(`${src}?offset=${token(0, 1)}`);
    expect(gone.status).toBe(410);
    expect(await text(fork)).toBe(bytes);
    expect((await fetch(fork, { method: "DELETE" })).status).toBe(204);
    expect(await r2Keys(src)).toEqual([]);
  }, 30_000);
});
