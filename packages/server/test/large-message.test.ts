/**
 * A JSON message larger than MAX_READ_BYTES (256 KiB here) is read back in
 * bounded pieces (docs/server.md "Memory budget"): the StreamDO returns its
 * first piece and the edge reads the rest one piece per RPC while it writes
 * the response. Catch-up, long-poll and SSE give the message byte-exact, hot,
 * sealed in R2 and through a fork, with small messages around it.
 */
import { describe, expect, inject, test } from "vitest";
import { openSse } from "./support/sse-client.js";
import { streamUrl, waitFor } from "./support/util.js";

const MiB = 1024 * 1024;
const READ = 256 * 1024;
const json = { "content-type": "application/json" };

// Multi-byte characters cut by piece edges, a line break and a leading space
// (SSE data lines), about 3 MiB: a dozen pieces.
const big = `{"a":\n "${"é€😀x".repeat((3 * MiB) / 10)}","b":\n [1, 2]}`;
const small = [`{"before":1}`, `{"after":2}`];

async function append(url: string, body: string): Promise<void> {
  const res = await fetch(url, { method: "POST", headers: json, body });
  expect(res.status).toBe(204);
}

async function fill(url: string): Promise<string> {
  expect((await fetch(url, { method: "PUT", headers: json })).status).toBe(201);
  await append(url, small[0]!);
  const at = (await fetch(`${url}?offset=now`)).headers.get("stream-next-offset")!;
  await append(url, big);
  await append(url, small[1]!);
  return at;
}

/** Catch-up from the start to the tail: every message, and the raw body of the read at `at`. */
async function catchUp(url: string, at: string): Promise<{ messages: unknown[]; rawAt: string | null }> {
  const messages: unknown[] = [];
  let offset = "-1";
  let rawAt: string | null = null;
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${url}?offset=${offset}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    if (offset === at) rawAt = text;
    messages.push(...(JSON.parse(text) as unknown[]));
    if (res.headers.get("stream-up-to-date") === "true") return { messages, rawAt };
    offset = res.headers.get("stream-next-offset")!;
  }
  throw new Error("catch-up did not reach the tail");
}

async function servedReads(url: string): Promise<number> {
  const name = new URL(url).pathname.split("/").at(-1)!;
  const res = await fetch(`${new URL(url).origin}/v1/metrics/stream/default/${name}`);
  return ((await res.json()) as { served: { reads: number } }).served.reads;
}

async function checkAllReads(url: string, at: string): Promise<void> {
  const before = await servedReads(url);
  const { messages, rawAt } = await catchUp(url, at);
  expect(messages).toEqual([JSON.parse(small[0]!), JSON.parse(big), JSON.parse(small[1]!)]);
  // Byte-exact, alone in its response.
  expect(rawAt).toBe(`[${big}]`);
  // Read in pieces of at most MAX_READ_BYTES, each its own StreamDO call.
  expect((await servedReads(url)) - before).toBeGreaterThanOrEqual(
    Math.ceil(new TextEncoder().encode(big).length / READ),
  );

  const lp = await fetch(`${url}?offset=${at}&live=long-poll`);
  expect(lp.status).toBe(200);
  expect(await lp.text()).toBe(`[${big}]`);

  const sse = await openSse(`${url}?offset=-1&live=sse`);
  try {
    await waitFor(() => sse.lastControl()?.upToDate === true, 20_000, "SSE up to date");
    const data = sse.events.filter((e) => e.type === "data").flatMap((e) => JSON.parse(e.data) as unknown[]);
    expect(data).toEqual(messages);
    // SSE keeps the message's line break (as one LF per data line).
    expect(sse.events.some((e) => e.type === "data" && e.data === `[${big}]`)).toBe(true);
  } finally {
    sse.close();
  }
}

describe("a JSON message larger than a read", () => {
  test("hot: catch-up, long-poll and SSE return it whole, in pieces", async () => {
    const url = streamUrl("large-hot");
    await checkAllReads(url, await fill(url));
  }, 60_000);

  test("sealed in R2: read from the segment in pieces", async () => {
    const url = streamUrl("large-cold", inject("coldBaseUrl"));
    await checkAllReads(url, await fill(url));
  }, 60_000);

  test("through a fork: the inherited message is read from the source in pieces", async () => {
    const src = streamUrl("large-src");
    const at = await fill(src);
    const fork = streamUrl("large-fork");
    const path = new URL(src).pathname;
    expect((await fetch(fork, { method: "PUT", headers: { ...json, "stream-forked-from": path } })).status).toBe(201);
    const { messages, rawAt } = await catchUp(fork, at);
    expect(messages).toEqual([JSON.parse(small[0]!), JSON.parse(big), JSON.parse(small[1]!)]);
    expect(rawAt).toBe(`[${big}]`);
  }, 60_000);
});
