/**
 * The stream catalog against the local Worker: listing with stable cursors
 * while streams are created, prefix / glob / sort, and lifecycle changes
 * (create, delete, expiry, close, fork) visible within seconds.
 */
import { describe, expect, inject, test } from "vitest";
import { appendText, eventually, listAll, listPage, putStream } from "./support/catalog.js";

const run = `cat${Date.now().toString(36)}`;
const names = (l: { name: string }[]) => l.map((s) => s.name);

describe("catalog listing", () => {
  test("pages by name with a stable cursor while streams are created concurrently", async () => {
    const base = Array.from({ length: 24 }, (_, i) => `${run}-p-${String(i).padStart(3, "0")}`);
    for (let i = 0; i < base.length; i += 8) await Promise.all(base.slice(i, i + 8).map((n) => putStream(n)));
    const extra = Array.from({ length: 24 }, (_, i) => `${run}-p-${String(i).padStart(3, "0")}-x`);
    const seen: string[] = [];
    let cursor: string | null = null;
    let creating: Promise<unknown> = Promise.resolve();
    for (let page = 0; page < 100; page++) {
      const p = await listPage("default", { prefix: `${run}-p-`, limit: "5", ...(cursor ? { cursor } : {}) });
      seen.push(...names(p.streams));
      // Streams appear on both sides of the cursor while we page.
      if (page < 4) creating = Promise.all([creating, ...extra.slice(page * 6, page * 6 + 6).map((n) => putStream(n))]);
      cursor = p.cursor;
      if (cursor === null) break;
    }
    await creating;
    expect(new Set(seen).size).toBe(seen.length); // nothing repeated
    for (const n of base) expect(seen).toContain(n); // nothing that existed throughout was skipped
    expect([...seen].sort()).toEqual(seen); // in name order
    const after = await listAll("default", { prefix: `${run}-p-`, limit: "50" });
    expect(names(after).sort()).toEqual([...base, ...extra].sort());
  });

  test("filters by prefix and glob, sorts by size and last append", async () => {
    const g = `${run}-g`;
    const a = await putStream(`${g}/a/x`, {}, "1");
    const b = await putStream(`${g}/b/x`, {}, "12345");
    await putStream(`${g}/a/y/z`);
    await putStream(`${g}x/a/x`);
    expect(names(await listAll("default", { glob: `${g}/*/x` }))).toEqual([`${g}/a/x`, `${g}/b/x`]);
    expect(names(await listAll("default", { glob: `${g}/**` }))).toEqual([`${g}/a/x`, `${g}/a/y/z`, `${g}/b/x`]);
    expect(names(await listAll("default", { prefix: `${g}/a/` }))).toEqual([`${g}/a/x`, `${g}/a/y/z`]);
    expect(names(await listAll("default", { prefix: `${g}/a/`, glob: `${g}/b/*` }))).toEqual([]);
    const bySize = await listAll("default", { prefix: `${g}/`, sort: "bytes" });
    expect(names(bySize)).toEqual([`${g}/b/x`, `${g}/a/x`, `${g}/a/y/z`]);
    expect(bySize.map((s) => s.bytes)).toEqual([5, 1, 0]);
    const asc = await listAll("default", { prefix: `${g}/`, sort: "bytes", order: "asc", limit: "1" });
    expect(names(asc)).toEqual([`${g}/a/y/z`, `${g}/a/x`, `${g}/b/x`]);
    // A later append moves a stream to the front of "last append" (stats lag at most one interval).
    await new Promise((r) => setTimeout(r, 1_100));
    await appendText(a, "more");
    await appendText(b, "!");
    await appendText(a, "again");
    const recent = await eventually(
      () => listAll("default", { prefix: `${g}/`, sort: "lastAppend" }),
      (l) => l[0]?.name === `${g}/a/x` && l[0]?.bytes === 10,
    );
    expect(names(recent).slice(0, 2)).toEqual([`${g}/a/x`, `${g}/b/x`]);
    expect(recent[0]!.messages).toBe(3);
  });

  test("bad listing input is a 400 that says what is wrong", async () => {
    const { admin } = await import("./support/auth.js");
    for (const q of ["sort=size", "order=up", "limit=0", "limit=5000", "cursor=%21%21", "glob=a/**b", "kind=x"]) {
      const res = await admin(`/default/streams?${q}`);
      expect(res.status, q).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.message.length, q).toBeGreaterThan(5);
    }
    const p = await listPage("default", { prefix: `${run}-p-`, limit: "2" });
    const other = await admin(`/default/streams?prefix=zzz&cursor=${p.cursor}`);
    expect(other.status).toBe(400); // a cursor belongs to its filters
  });
});

describe("catalog lifecycle", () => {
  test("delete, close, fork and expiry show up within seconds", async () => {
    const l = `${run}-l`;
    const gone = await putStream(`${l}-gone`);
    const closing = await putStream(`${l}-closing`, {}, "data");
    await putStream(`${l}-expiring`, { "stream-ttl": "1" });
    await putStream(`${l}-fork`, { "stream-forked-from": `/v1/stream/${l}-closing` });
    let list = await listAll("default", { prefix: l });
    expect(names(list)).toEqual([`${l}-closing`, `${l}-expiring`, `${l}-fork`, `${l}-gone`]);
    expect(list.find((s) => s.name === `${l}-fork`)!.forkOf).toBe(`${l}-closing`);
    expect(list.find((s) => s.name === `${l}-expiring`)!.expiresAt).toBeGreaterThan(Date.now() - 2_000);

    expect((await fetch(gone, { method: "DELETE" })).status).toBe(204);
    const close = await fetch(closing, { method: "POST", headers: { "stream-closed": "true" } });
    expect(close.status).toBe(204);
    // Lifecycle reports are made before the response: visible at once.
    list = await listAll("default", { prefix: l });
    expect(names(list)).not.toContain(`${l}-gone`);
    expect(list.find((s) => s.name === `${l}-closing`)!.closed).toBe(true);
    // Expiry happens in the stream's alarm, with nobody asking.
    list = await eventually(
      () => listAll("default", { prefix: l }),
      (x) => !names(x).includes(`${l}-expiring`),
      6_000,
    );
    expect(names(list)).toEqual([`${l}-closing`, `${l}-fork`]);
    // Re-creating a deleted name lists it again (a new instance).
    await putStream(`${l}-gone`);
    expect(names(await listAll("default", { prefix: l }))).toContain(`${l}-gone`);
  });

  test("catalog writes per stream are bounded per interval, however many appends", async () => {
    const url = await putStream(`${run}-batch`);
    const counters = async () =>
      ((await (await fetch(`${inject("baseUrl")}/v1/metrics/stream/${run}-batch`)).json()) as { catalogWrites: number })
        .catalogWrites;
    const before = await counters();
    const start = Date.now();
    let appends = 0;
    while (Date.now() - start < 2_500) {
      await Promise.all(Array.from({ length: 5 }, () => appendText(url, "x")));
      appends += 5;
    }
    const elapsed = Date.now() - start;
    const writes = (await counters()) - before;
    // CATALOG_STATS_INTERVAL_MS is 1000 in the tests: one report per started second at most.
    expect(appends).toBeGreaterThan(50);
    expect(writes).toBeLessThanOrEqual(Math.ceil(elapsed / 1_000) + 1);
    expect(writes).toBeGreaterThanOrEqual(1);
    const listed = await eventually(
      () => listAll("default", { prefix: `${run}-batch` }),
      (x) => x[0]?.bytes === appends,
    );
    expect(listed[0]!.bytes).toBe(appends);
  });
});
