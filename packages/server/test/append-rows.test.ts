/**
 * What one append costs in SQLite rows written (the largest Durable Object
 * line of the cost model), read from the stream's own counters
 * (`/v1/metrics/stream/...`, as the bench does): a plain append writes its
 * log row only; producer and Stream-Seq state add a row only when used. And
 * the tail the metadata row no longer holds is recovered from the log.
 */
import { describe, expect, test } from "vitest";
import { streamUrl } from "./support/util.js";

const BYTES = { "content-type": "application/octet-stream" };

/** Rows this stream's object has written since it started. */
async function rowsWritten(url: string): Promise<number> {
  const u = new URL(url);
  const res = await fetch(`${u.origin}${u.pathname.replace("/v1/stream/", "/v1/metrics/stream/default/")}`);
  return ((await res.json()) as { rowsWritten: number }).rowsWritten;
}

/** Rows written by each of `n` appends, measured one by one. */
async function rowsPerAppend(
  url: string,
  n: number,
  headers: (i: number) => Record<string, string>,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const before = await rowsWritten(url);
    const res = await fetch(url, { method: "POST", headers: { ...BYTES, ...headers(i) }, body: `m${i}` });
    expect(res.status).toBeLessThan(300);
    out.push((await rowsWritten(url)) - before);
  }
  return out;
}

/** How many of `deltas` equal `rows`: the catalog's stats alarm (once a second) may add a write to one of them. */
const exactly = (deltas: number[], rows: number) => deltas.filter((d) => d === rows).length;

describe("rows written per append", () => {
  test("a plain append writes one row; producer and Stream-Seq appends one more", async () => {
    const url = streamUrl("rows");
    expect((await fetch(url, { method: "PUT", headers: BYTES })).status).toBe(201);
    // The first append of an instance does one-off work (e.g. pruning old subscribers).
    await fetch(url, { method: "POST", headers: BYTES, body: "warm" });
    const plain = await rowsPerAppend(url, 5, () => ({}));
    expect(exactly(plain, 1), `rows written per plain append: ${plain}`).toBeGreaterThanOrEqual(4);
    const producer = await rowsPerAppend(url, 5, (i) => ({
      "producer-id": "p",
      "producer-epoch": "0",
      "producer-seq": String(i),
    }));
    expect(exactly(producer, 2), `rows written per producer append: ${producer}`).toBeGreaterThanOrEqual(4);
    const seq = await rowsPerAppend(url, 5, (i) => ({ "stream-seq": `s${i}` }));
    expect(exactly(seq, 2), `rows written per Stream-Seq append: ${seq}`).toBeGreaterThanOrEqual(4);
    const body = await (await fetch(`${url}?offset=-1`)).text();
    expect(body).toBe(
      "warm" +
        [0, 1, 2, 3, 4]
          .map((i) => `m${i}`)
          .join("")
          .repeat(3),
    );
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
});
