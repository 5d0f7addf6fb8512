/**
 * Cache-Control of every kind of read (docs/server.md, "Caching"): browsers
 * revalidate before reusing any read (ETag → 304), shared caches keep public
 * reads for s-maxage, and what must never be reused is no-store. Also: a
 * deleted and re-created stream never revalidates into the old one's bytes.
 */
import { describe, expect, test } from "vitest";
import { bytesOf, streamUrl } from "./support/util.js";

const SHARED = "public, max-age=0, s-maxage=60";
const MAX_READ_BYTES = 256 * 1024; // TEST_VARS.MAX_READ_BYTES

async function create(url: string, body: Uint8Array | string, type = "application/octet-stream"): Promise<void> {
  const res = await fetch(url, { method: "PUT", headers: { "content-type": type }, body });
  expect(res.status).toBe(201);
}

describe("Cache-Control of reads", () => {
  test("a historical chunk: revalidated by browsers, kept by shared caches; 304 keeps the header", async () => {
    const url = streamUrl("cc-history");
    await create(url, bytesOf(MAX_READ_BYTES + 1000));
    for (const round of ["from the Durable Object", "from the edge cache"]) {
      const res = await fetch(`${url}?offset=-1`);
      expect(res.status, round).toBe(200);
      expect(res.headers.get("stream-up-to-date"), round).toBeNull();
      expect(res.headers.get("cache-control"), round).toBe(SHARED);
      const etag = res.headers.get("etag")!;
      await res.arrayBuffer();
      const again = await fetch(`${url}?offset=-1`, { headers: { "if-none-match": etag } });
      expect(again.status, round).toBe(304);
      expect(again.headers.get("cache-control"), round).toBe(SHARED);
    }
  });

  test("tail chunks and the empty tail (open or closed) are revalidated too", async () => {
    const url = streamUrl("cc-tail");
    await create(url, "data", "text/plain");
    const tail = await fetch(`${url}?offset=-1`);
    expect(tail.headers.get("stream-up-to-date")).toBe("true");
    expect(tail.headers.get("cache-control")).toBe(SHARED);
    const next = tail.headers.get("stream-next-offset")!;
    const empty = await fetch(`${url}?offset=${next}`);
    expect(await empty.text()).toBe("");
    expect(empty.headers.get("cache-control")).toBe(SHARED);
    expect(empty.headers.get("etag")).not.toBeNull();
    await fetch(url, { method: "POST", headers: { "stream-closed": "true" } });
    const closed = await fetch(`${url}?offset=${next}`, { headers: { "if-none-match": empty.headers.get("etag")! } });
    expect(closed.status).toBe(200);
    expect(closed.headers.get("stream-closed")).toBe("true");
    expect(closed.headers.get("cache-control")).toBe(SHARED);
  });

  test("offset=now, HEAD, long-poll 204 and SSE are never stored; long-poll 200 is revalidated", async () => {
    const url = streamUrl("cc-live");
    await create(url, "data", "text/plain");
    expect((await fetch(`${url}?offset=now`)).headers.get("cache-control")).toBe("no-store");
    expect((await fetch(url, { method: "HEAD" })).headers.get("cache-control")).toBe("no-store");
    const lp = await fetch(`${url}?offset=-1&live=long-poll`);
    expect(lp.status).toBe(200);
    expect(lp.headers.get("cache-control")).toBe(SHARED);
    const tail = lp.headers.get("stream-next-offset")!;
    const timeout = await fetch(`${url}?offset=${tail}&live=long-poll&cursor=${lp.headers.get("stream-cursor")}`);
    expect(timeout.status).toBe(204);
    expect(timeout.headers.get("cache-control")).toBe("no-store");
    const ctl = new AbortController();
    const sse = await fetch(`${url}?offset=-1&live=sse`, { signal: ctl.signal });
    expect(sse.headers.get("cache-control")).toContain("no-store");
    expect(sse.headers.get("cache-control")).toContain("no-cache");
    ctl.abort();
  });

  test("after delete and re-create, the old ETag does not revalidate: the new bytes come back", async () => {
    const url = streamUrl("cc-recreate");
    await create(url, "old!", "text/plain");
    const old = await fetch(`${url}?offset=-1`);
    expect(await old.text()).toBe("old!");
    expect((await fetch(url, { method: "DELETE" })).status).toBe(204);
    await create(url, "new!", "text/plain");
    const res = await fetch(`${url}?offset=-1`, { headers: { "if-none-match": old.headers.get("etag")! } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("new!");
  });
});
