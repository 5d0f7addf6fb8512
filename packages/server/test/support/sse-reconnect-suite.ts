/**
 * SSE across the server-side close interval (test/sse-reconnect.test.ts and,
 * with requests spread over two edge isolates, test/split-isolates.test.ts):
 * the server ends every SSE connection after SSE_CLOSE_AFTER_MS, right after
 * a control event, and a client that resumes from that event's offset loses
 * and repeats nothing — while a writer keeps appending through every
 * reconnect. The Worker at `base()` must run with SSE_CLOSE_AFTER_MS =
 * SSE_RECONNECT_CLOSE_AFTER_MS.
 */
import { DurableStream, stream, type JsonBatch } from "@durable-streams/client";
import { describe, expect, test } from "vitest";
import { openSse } from "./sse-client.js";
import { waitFor } from "./util.js";

/** The SSE close interval the suite expects of its Worker. */
export const SSE_RECONNECT_CLOSE_AFTER_MS = 1_000;
const WRITES = 60;

/** Appends `WRITES` text messages, one every ~`gapMs`, and returns what was written. */
async function writeSlowly(url: string, gapMs: number): Promise<string> {
  let written = "";
  for (let i = 0; i < WRITES; i++) {
    const piece = `w${i};`;
    const res = await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: piece });
    if (res.status !== 204) throw new Error(`append ${i} answered ${res.status}`);
    written += piece;
    await new Promise((r) => setTimeout(r, gapMs));
  }
  return written;
}

/** Defines the reconnect tests against the Worker at `base()` (read when each test runs). */
export function sseReconnectSuite(base: () => string): void {
  describe("SSE reconnect across the server's close interval", () => {
    test("a reader resuming from each control event's offset gets every byte exactly once", async () => {
      const url = `${base()}/v1/stream/sse-reconnect-raw`;
      await fetch(url, { method: "PUT", headers: { "content-type": "text/plain" }, body: "start;" });
      let offset = "-1";
      let received = "";
      let connections = 0;
      let stop = false;
      const reading = (async () => {
        while (!stop) {
          const conn = await openSse(`${url}?offset=${offset}&live=sse`);
          connections++;
          await conn.ended;
          // Each connection ends right after a control event: resume from it.
          const events = conn.events;
          expect(events.at(-1)?.type).toBe("control");
          for (let i = 0; i < events.length; i++) {
            if (events[i]!.type === "data") expect(events[i + 1]?.type).toBe("control");
          }
          received += conn.text();
          offset = String(conn.lastControl()!.streamNextOffset);
        }
      })();
      const written = "start;" + (await writeSlowly(url, 60));
      await waitFor(() => received === written, 15_000, "reader caught up with every write");
      stop = true;
      await reading;
      expect(received).toBe(written);
      // The writer ran ~4 s: the server must have ended several connections.
      expect(connections).toBeGreaterThanOrEqual(3);
    }, 60_000);

    test("the official client's SSE subscription loses nothing across server-side closes", async () => {
      const url = `${base()}/v1/stream/sse-reconnect-client`;
      const handle = await DurableStream.create({ url, contentType: "application/json" });
      const controller = new AbortController();
      const res = await stream<{ n: number }>({ url, offset: "-1", live: "sse", signal: controller.signal });
      const received: number[] = [];
      res.subscribeJson((batch: JsonBatch<{ n: number }>) => {
        for (const item of batch.items) received.push(item.n);
      });
      for (let n = 0; n < WRITES; n++) {
        await handle.append(JSON.stringify({ n }));
        await new Promise((r) => setTimeout(r, 60));
      }
      await waitFor(() => received.length >= WRITES, 15_000, "client received every message");
      // A little longer: a duplicate delivered late would show up here.
      await new Promise((r) => setTimeout(r, 1_500));
      controller.abort();
      expect(received).toEqual(Array.from({ length: WRITES }, (_, n) => n));
    }, 60_000);
  });
}
