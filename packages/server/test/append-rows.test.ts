/**
 * What one append costs in SQLite rows written (the largest Durable Object
 * line of the cost model), read from the stream's own counters
 * (`/v1/metrics/stream/...`, as the bench does): a plain append writes its
 * log row only; producer and Stream-Seq state add a row only when used. And
 * the tail the metadata row no longer holds is recovered from the log.
 */
import { describe, expect, test } from "vitest";
import { forceRotate, stats } from "./support/cold.js";
import { streamUrl } from "./support/util.js";

const BYTES = { "content-type": "application/octet-stream" };

type Counters = { rowsWritten: number; rowsRead: number; catalogWrites: number };

/** This stream object's rows written and read, and catalog reports sent, since it started. */
async function counters(url: string): Promise<Counters> {
  const u = new URL(url);
  const res = await fetch(`${u.origin}${u.pathname.replace("/v1/stream/", "/v1/metrics/stream/default/")}`);
  return (await res.json()) as Counters;
}

/**
 * Rows written (or read) by each of `n` appends, measured one by one. An
 * append during which the catalog's stats alarm (at most once a second) sent
 * a report, and wrote its version row, is measured again.
 */
let posts = 0;

async function rowsPerAppend(
  url: string,
  n: number,
  headers: (i: number) => Record<string, string>,
  rows: "rowsWritten" | "rowsRead" = "rowsWritten",
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; out.length < n; i++) {
    expect(i).toBeLessThan(2 * n);
    const before = await counters(url);
    const res = await fetch(url, { method: "POST", headers: { ...BYTES, ...headers(i) }, body: "m" });
    expect(res.status).toBeLessThan(300);
    posts += 1;
    const after = await counters(url);
    if (after.catalogWrites === before.catalogWrites) out.push(after[rows] - before[rows]);
  }
  return out;
}

describe("rows written per append", () => {
  test("a plain append writes one row; producer and Stream-Seq appends one more", async () => {
    const url = streamUrl("rows");
    expect((await fetch(url, { method: "PUT", headers: BYTES })).status).toBe(201);
    // The first append of an instance does one-off work (e.g. pruning old subscribers).
    await fetch(url, { method: "POST", headers: BYTES, body: "warm" });
    expect(await rowsPerAppend(url, 4, () => ({}))).toEqual([1, 1, 1, 1]);
    const producer = (i: number) => ({ "producer-id": "p", "producer-epoch": "0", "producer-seq": String(i) });
    // A producer's first append inserts its row (and its key's index entry); later ones update it.
    await fetch(url, { method: "POST", headers: { ...BYTES, ...producer(0) }, body: "m" });
    expect(await rowsPerAppend(url, 4, (i) => producer(i + 1))).toEqual([2, 2, 2, 2]);
    expect(await rowsPerAppend(url, 4, (i) => ({ "stream-seq": `s${i}` }))).toEqual([2, 2, 2, 2]);
    expect(await (await fetch(`${url}?offset=-1`)).text()).toBe("warm" + "m".repeat(posts + 1));
  });

  test("a plain append reads only the row its own insert counts: what it checks is cached in the object", async () => {
    const url = streamUrl("rows-read");
    expect((await fetch(url, { method: "PUT", headers: BYTES })).status).toBe(201);
    posts = 0;
    await fetch(url, { method: "POST", headers: BYTES, body: "warm" });
    // SQLite reports one row read for the log row's INSERT itself; the newest segment, the
    // retention row and what subscriptions were told come from memory (do/row-cache.ts).
    expect(await rowsPerAppend(url, 4, () => ({}), "rowsRead")).toEqual([1, 1, 1, 1]);
    expect(await (await fetch(`${url}?offset=-1`)).text()).toBe("warm" + "m".repeat(posts));
  });

  test("after a rolled-back append the tail comes from the log, not the stale metadata row", async () => {
    const url = streamUrl("rows-rollback");
    await fetch(url, { method: "PUT", headers: BYTES });
    for (const part of ["a", "bb", "ccc"]) await fetch(url, { method: "POST", headers: BYTES, body: part });
    const tail = (await fetch(url, { method: "HEAD" })).headers.get("stream-next-offset");
    // The fault throws inside the append's transaction: the object re-reads its metadata afterwards.
    const fault = url.replace("/v1/stream/", "/v1/_debug/fault/");
    expect((await fetch(`${fault}?name=append-txn&count=1`, { method: "POST" })).status).toBe(200);
    expect((await fetch(url, { method: "POST", headers: BYTES, body: "lost" })).status).toBe(500);
    expect((await fetch(url, { method: "HEAD" })).headers.get("stream-next-offset")).toBe(tail);
    const res = await fetch(url, { method: "POST", headers: BYTES, body: "dddd" });
    expect(res.status).toBe(204);
    expect(await (await fetch(`${url}?offset=-1`)).text()).toBe("abbcccdddd");
    expect(await (await fetch(`${url}?offset=${tail}`)).text()).toBe("dddd");
  });

  test("a seal that drops every log row first records the tail in the metadata row", async () => {
    const url = streamUrl("rows-seal");
    await fetch(url, { method: "PUT", headers: BYTES });
    for (const part of ["a", "bb", "ccc"]) await fetch(url, { method: "POST", headers: BYTES, body: part });
    // Seal the whole hot log into an R2 segment now: no log row is left.
    expect(await forceRotate(url)).toMatchObject({ sealed: 1 });
    expect(await stats(url)).toMatchObject({ logRows: 0, segments: 1 });
    const tail = (await fetch(url, { method: "HEAD" })).headers.get("stream-next-offset")!;
    // Force a re-read of the metadata: with no log row left, only the row itself can hold the tail.
    const fault = url.replace("/v1/stream/", "/v1/_debug/fault/");
    await fetch(`${fault}?name=append-txn&count=1`, { method: "POST" });
    expect((await fetch(url, { method: "POST", headers: BYTES, body: "lost" })).status).toBe(500);
    expect((await fetch(url, { method: "HEAD" })).headers.get("stream-next-offset")).toBe(tail);
    expect((await fetch(url, { method: "POST", headers: BYTES, body: "dddd" })).status).toBe(204);
    expect(await (await fetch(`${url}?offset=${tail}`)).text()).toBe("dddd");
  });
});
