/**
 * Live reads and large writes through nginx in front of the local Worker:
 * nothing may sit in a proxy buffer (SSE events, chunked request bodies).
 */
import { createHash } from "node:crypto";
import { describe, expect, inject, test } from "vitest";
import { openSse } from "./support/sse.ts";

const proxy = inject("proxyUrl");

/** Events that a buffering proxy would hold back arrive within this (measured: a few ms). */
const NO_BUFFERING_MS = 1_000;

async function createStream(name: string, contentType: string, body?: string): Promise<string> {
  const url = `${proxy}/v1/stream/${name}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const res = await fetch(url, { method: "PUT", headers: { "content-type": contentType }, body });
  expect(res.status).toBe(201);
  return url;
}

describe("SSE through nginx", () => {
  test("the first event and a live append arrive without buffering delay", async () => {
    const url = await createStream("sse-latency", "text/plain", "first");
    const opened = performance.now();
    const sse = await openSse(`${url}?offset=-1&live=sse`);
    try {
      expect(sse.response.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const first = await sse.waitFor((e) => e.event === "data", NO_BUFFERING_MS);
      expect(first.data).toBe("first");
      const firstMs = first.at - opened;

      const appended = performance.now();
      const post = await fetch(url, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: "live",
      });
      expect(post.status).toBe(204);
      const live = await sse.waitFor(
        (e) => e.event === "data" && e.data === "live",
        NO_BUFFERING_MS,
      );
      const liveMs = live.at - appended;
      console.info(
        `SSE via nginx: first event ${firstMs.toFixed(1)} ms, live append ${liveMs.toFixed(1)} ms`,
      );
      expect(firstMs).toBeLessThan(NO_BUFFERING_MS);
      expect(liveMs).toBeLessThan(NO_BUFFERING_MS);
    } finally {
      sse.close();
    }
  });
});

describe("streamed append through nginx", () => {
  const MIB = 1024 * 1024;
  const TOTAL = 10 * MIB;
  const CHUNK = 64 * 1024;

  test("a 10 MiB chunked append arrives intact", async () => {
    const url = await createStream("append-10mib", "application/octet-stream");
    const sent = createHash("sha256");
    let produced = 0;
    // A body with no length: fetch sends it chunked, as a streaming producer would.
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (produced >= TOTAL) return controller.close();
        const chunk = patternChunk(produced, CHUNK);
        sent.update(chunk);
        produced += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const started = performance.now();
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body,
      duplex: "half",
    });
    const appendMs = performance.now() - started;
    expect(res.status, await res.clone().text()).toBe(204);

    const received = createHash("sha256");
    let total = 0;
    let offset = "-1";
    // Catch-up reads return at most MAX_READ_BYTES each; 10 MiB needs a bounded few.
    for (let i = 0; i < 200 && total < TOTAL; i++) {
      const read = await fetch(`${url}?offset=${offset}`);
      expect(read.status).toBe(200);
      const bytes = new Uint8Array(await read.arrayBuffer());
      received.update(bytes);
      total += bytes.length;
      offset = read.headers.get("stream-next-offset") ?? offset;
      if (bytes.length === 0) break;
    }
    console.info(
      `10 MiB streamed append via nginx: ${appendMs.toFixed(0)} ms, read back ${total} bytes`,
    );
    expect(total).toBe(TOTAL);
    expect(received.digest("hex")).toBe(sent.digest("hex"));
  });
});

/** Deterministic, non-repeating-per-chunk bytes so a misplaced chunk changes the hash. */
function patternChunk(start: number, size: number): Uint8Array {
  const chunk = new Uint8Array(size);
  for (let i = 0; i < size; i++) chunk[i] = ((start + i) * 2654435761) >>> 24;
  return chunk;
}
