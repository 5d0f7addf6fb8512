/**
 * The memory tests' inputs (docs/server.md "Memory budget"), shared by the
 * one-process test (test/memory.test.ts) and the one with the edge and the
 * objects in separate processes (test/memory-split.test.ts). Each input runs
 * its measured part inside `measure`, which samples resident memory and holds
 * the growth to the bound the test file gives that kind of input; then the
 * stream must still serve.
 */
import { expect } from "vitest";
import { pool } from "./cold.js";
import { openSse } from "./sse-client.js";

export const MiB = 1024 * 1024;

/**
 * What an input's measured part holds: `one` (one stream, one request or a
 * few at once), `objects` (many objects created: on Cloudflare each its own
 * isolate, so recorded, not held to one isolate's budget), `tail` (one edge
 * serving 200 streams, whose 200 objects also work).
 */
export type InputKind = "one" | "objects" | "tail";

/** Runs `fn` while sampling memory; records the row and checks its bound. */
export type Measure = <T>(input: string, kind: InputKind, fn: () => Promise<T>) => Promise<T>;

/** No request of an input waits longer than this: a hang names the request instead of timing the test out. */
const REQUEST_MS = 60_000;

function bounded(init: RequestInit = {}): RequestInit {
  return { ...init, signal: AbortSignal.timeout(REQUEST_MS) };
}

export async function create(s: string, contentType: string): Promise<void> {
  const res = await fetch(s, bounded({ method: "PUT", headers: { "content-type": contentType } }));
  expect(res.status, `PUT ${s}`).toBe(201);
}

export async function post(s: string, contentType: string, body: BodyInit): Promise<Response> {
  const res = await fetch(s, bounded({ method: "POST", headers: { "content-type": contentType }, body }));
  await res.arrayBuffer();
  return res;
}

/** After an input: the object still appends and reads. */
export async function stillServes(s: string, contentType: string, body: string): Promise<void> {
  const before = await fetch(`${s}?offset=now`, bounded());
  const at = before.headers.get("stream-next-offset")!;
  await before.arrayBuffer();
  expect((await post(s, contentType, body)).status).toBe(204);
  const res = await fetch(`${s}?offset=${at}`, bounded());
  expect(res.status).toBe(200);
  expect(await res.text()).toBe(contentType === "application/json" ? `[${body}]` : body);
}

/** Reads an SSE response raw until its first control event; returns the bytes received. */
async function sseBytesUntilControl(at: string): Promise<number> {
  const res = await fetch(at, bounded({ headers: { accept: "text/event-stream" } }));
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let bytes = 0;
  let recent = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return bytes;
      bytes += value.length;
      recent = (recent + dec.decode(value, { stream: true })).slice(-4096);
      if (recent.includes("event: control")) return bytes;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** One 32 MiB binary append (the documented MAX_APPEND_BYTES). */
export async function binaryAppend(s: string, measure: Measure): Promise<void> {
  await create(s, "application/octet-stream");
  const body = new Uint8Array(32 * MiB).map((_, i) => i & 0xff);
  const res = await measure("one 32 MiB binary append", "one", () => post(s, "application/octet-stream", body));
  expect(res.status).toBe(204);
  await stillServes(s, "application/octet-stream", "ok");
}

const big = `{"blob":"${"j".repeat(24 * MiB - 12)}"}`;

/** One 24 MiB JSON message, then reading it back with catch-up and SSE at once. */
export async function largeJson(s: string, measure: Measure): Promise<void> {
  await create(s, "application/json");
  const res = await measure("one 24 MiB JSON message", "one", () => post(s, "application/json", big));
  expect(res.status).toBe(204);
  await measure("reading it back, catch-up + SSE at once", "one", async () => {
    const [catchUp, sse] = await Promise.all([
      fetch(`${s}?offset=-1`, bounded()).then((r) => r.text()),
      sseBytesUntilControl(`${s}?offset=-1&live=sse`),
    ]);
    expect(catchUp.length).toBe(big.length + 2);
    expect(sse).toBeGreaterThan(big.length);
  });
  // Read back in MAX_READ_BYTES pieces, never one RPC value (test/large-message.test.ts).
  await stillServes(s, "application/json", `{"after":1}`);
}

/** One 2 MiB JSON array of 1M one-character elements: refused (413) by the scan, before anything is stored. */
export async function jsonArray(s: string, measure: Measure): Promise<void> {
  await create(s, "application/json");
  const body = `[${"1,".repeat(MiB - 1)}1]`;
  const res = await measure("one 2 MiB JSON array of 1M one-character elements (413)", "one", () =>
    post(s, "application/json", body),
  );
  expect(res.status).toBe(413);
  await stillServes(s, "application/json", `{"after":1}`);
}

/**
 * One edge tailing 200 busy streams: 200 SSE readers, five 4 KB appends to
 * each. `whileOpen` runs once every reader has every message, before they close.
 */
export async function tail200(
  urlOf: (i: number) => string,
  measure: Measure,
  whileOpen?: () => Promise<void>,
): Promise<void> {
  const streams = Array.from({ length: 200 }, (_, i) => urlOf(i));
  await measure("200 stream objects created (one append each)", "objects", () =>
    pool(streams, 16, async (s) => {
      await create(s, "application/json");
      expect((await post(s, "application/json", `{"warm":1}`)).status).toBe(204);
    }),
  );
  await measure("one isolate tailing 200 busy streams (200 SSE readers, 5 × 4 KB appends each)", "tail", async () => {
    const readers = await Promise.all(streams.map((s) => openSse(`${s}?offset=-1&live=sse`)));
    try {
      const msg = JSON.stringify({ pad: "p".repeat(4000) });
      for (let round = 0; round < 5; round++) {
        await pool(streams, 16, async (s) => {
          expect((await post(s, "application/json", msg)).status).toBe(204);
        });
      }
      const deadline = Date.now() + 30_000;
      const seen = (r: { text(): string }) => r.text().split('"pad"').length - 1;
      while (readers.some((r) => seen(r) < 5) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(readers.map(seen).filter((k) => k < 5)).toEqual([]);
      await whileOpen?.();
    } finally {
      for (const r of readers) r.close();
    }
  });
  await stillServes(streams[0]!, "application/json", `{"after":1}`);
}
