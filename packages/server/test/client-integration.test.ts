/**
 * The official client (@durable-streams/client) against the local Worker:
 * JSON and binary streams, long-poll and SSE subscriptions, idempotent
 * producers with epoch fencing, close, fork and delete.
 */
import {
  DurableStream,
  FetchError,
  IdempotentProducer,
  StaleEpochError,
  StreamClosedError,
  stream,
  type JsonBatch,
} from "@durable-streams/client";
import { describe, expect, test } from "vitest";
import { bytesOf, streamUrl, waitFor } from "./support/util.js";

describe("official client", () => {
  test("JSON stream: appends and catch-up read keep every message in order", async () => {
    const url = streamUrl("client-json");
    const handle = await DurableStream.create({ url, contentType: "application/json" });
    const sent = Array.from({ length: 25 }, (_, i) => ({ i, text: `message ${i}`, nested: { list: [i, i + 1] } }));
    for (const m of sent) await handle.append(JSON.stringify(m));
    const res = await stream<{ i: number }>({ url, live: false });
    expect(await res.json()).toEqual(sent);
  });

  test("binary stream: every byte value round-trips", async () => {
    const url = streamUrl("client-bin");
    const handle = await DurableStream.create({ url, contentType: "application/octet-stream" });
    const parts = [bytesOf(1000, 1), bytesOf(70_000, 2), bytesOf(3, 3)];
    for (const p of parts) await handle.append(p);
    const res = await stream({ url, live: false });
    const got = await res.body();
    expect(Buffer.from(got).equals(Buffer.concat(parts))).toBe(true);
  });

  for (const live of ["long-poll", "sse"] as const) {
    test(`${live} subscription receives live JSON appends exactly once, in order`, async () => {
      const url = streamUrl(`client-live-${live}`);
      const handle = await DurableStream.create({ url, contentType: "application/json" });
      await handle.append(JSON.stringify({ n: 0 }));
      const received: number[] = [];
      const controller = new AbortController();
      const res = await stream<{ n: number }>({ url, live, signal: controller.signal });
      res.subscribeJson((batch: JsonBatch<{ n: number }>) => {
        for (const item of batch.items) received.push(item.n);
      });
      await waitFor(() => received.length === 1, 10_000, "history");
      for (let n = 1; n <= 5; n++) {
        await handle.append(JSON.stringify({ n }));
        await waitFor(() => received.length === n + 1, 10_000, `live message ${n}`);
      }
      controller.abort();
      expect(received).toEqual([0, 1, 2, 3, 4, 5]);
    });
  }

  test("SSE on a binary stream decodes base64 back to the original bytes", async () => {
    const url = streamUrl("client-sse-bin");
    const handle = await DurableStream.create({ url, contentType: "application/octet-stream" });
    const first = bytesOf(300, 7);
    await handle.append(first);
    const chunks: Uint8Array[] = [];
    const controller = new AbortController();
    const res = await stream({ url, live: "sse", signal: controller.signal });
    res.subscribeBytes((chunk) => {
      if (chunk.data.length > 0) chunks.push(chunk.data);
    });
    const second = bytesOf(200, 8);
    await waitFor(() => chunks.length >= 1, 10_000, "first chunk");
    await handle.append(second);
    await waitFor(() => Buffer.concat(chunks).length === 500, 10_000, "second chunk");
    controller.abort();
    expect(Buffer.concat(chunks).equals(Buffer.concat([first, second]))).toBe(true);
  });

  test("idempotent producer: batches land exactly once; a newer epoch fences the old producer", async () => {
    const url = streamUrl("client-producer");
    const handle = await DurableStream.create({ url, contentType: "application/json" });
    const errors: Error[] = [];
    const p0 = new IdempotentProducer(handle, "writer-1", { epoch: 0, lingerMs: 5, onError: (e) => errors.push(e) });
    for (let i = 0; i < 200; i++) p0.append(JSON.stringify({ i }));
    await p0.flush();
    expect(errors).toEqual([]);

    const p1 = new IdempotentProducer(handle, "writer-1", { epoch: 1, lingerMs: 5 });
    p1.append(JSON.stringify({ i: 200 }));
    await p1.flush();

    p0.append(JSON.stringify({ i: -1 }));
    await p0.flush().catch((e: unknown) => errors.push(e as Error));
    expect(errors.some((e) => e instanceof StaleEpochError)).toBe(true);
    await p0.close().catch(() => undefined);
    await p1.close();

    const items = await (await stream<{ i: number }>({ url, live: false })).json();
    expect(items.map((x) => x.i)).toEqual(Array.from({ length: 201 }, (_, i) => i));
  });

  test("close: readers see EOF and further appends are refused", async () => {
    const url = streamUrl("client-close");
    const handle = await DurableStream.create({ url, contentType: "text/plain" });
    await handle.append("last words");
    await handle.close();
    // The client surfaces the 409 either as StreamClosedError or (through its
    // retrying fetch) as a FetchError; both must carry Stream-Closed: true.
    const err = await handle.append("more").then(
      () => null,
      (e: unknown) => e,
    );
    const closedSignal =
      err instanceof StreamClosedError ||
      (err instanceof FetchError && err.status === 409 && err.headers["stream-closed"] === "true");
    expect(closedSignal).toBe(true);
    const res = await stream({ url, live: "long-poll" });
    expect(await res.text()).toBe("last words");
    expect(res.streamClosed).toBe(true);
    const head = await handle.head();
    expect(head.exists && head.streamClosed).toBe(true);
  });

  test("fork: the fork reads inherited data then its own; the source is unaffected", async () => {
    const sourceUrl = streamUrl("client-fork-src");
    const source = await DurableStream.create({ url: sourceUrl, contentType: "text/plain" });
    await source.append("shared-");
    const { offset } = (await source.head()) as { offset: string };
    await source.append("source-only");
    const forkUrl = streamUrl("client-fork");
    const put = await fetch(forkUrl, {
      method: "PUT",
      headers: { "Stream-Forked-From": new URL(sourceUrl).pathname, "Stream-Fork-Offset": offset },
    });
    expect(put.status).toBe(201);
    const fork = new DurableStream({ url: forkUrl, contentType: "text/plain" });
    await fork.append("fork-only");
    expect(await (await stream({ url: forkUrl, live: false })).text()).toBe("shared-fork-only");
    expect(await (await stream({ url: sourceUrl, live: false })).text()).toBe("shared-source-only");
  });

  test("delete: the stream is gone for HEAD and reads", async () => {
    const url = streamUrl("client-delete");
    const handle = await DurableStream.create({ url, contentType: "text/plain" });
    await handle.append("x");
    await handle.delete();
    const head = await DurableStream.head({ url });
    expect(head.exists).toBe(false);
    expect((await fetch(url)).status).toBe(404);
  });
});
