/** Incomplete bodies error before the Durable Object could commit them; whole ones pass unchanged. */
import { describe, expect, test } from "vitest";
import { guardBody, peekEmpty } from "./body-guard.js";

const enc = new TextEncoder();

function requestWith(body: ReadableStream<Uint8Array>, signal?: AbortSignal): Request {
  return new Request("http://x/", { method: "POST", body, signal, duplex: "half" } as RequestInit);
}

function streamOf(parts: string[], error?: Error): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const p of parts) c.enqueue(enc.encode(p));
      if (error) c.error(error);
      else c.close();
    },
  });
}

async function drain(body: ReadableStream<Uint8Array> | null): Promise<string> {
  return new Response(body).text();
}

describe("guardBody", () => {
  test("release drains the rest the callee left unread, to its end, never cancelling it", async () => {
    let pulls = 0;
    let cancelled = false;
    const source = new ReadableStream<Uint8Array>({
      pull(c) {
        if (++pulls > 20) c.close();
        else c.enqueue(new Uint8Array(1000));
      },
      cancel() {
        cancelled = true;
      },
    });
    const g = guardBody(requestWith(source), null);
    const reader = g.body!.getReader();
    await reader.read(); // the callee read a little, answered and let go of the rest
    await reader.cancel();
    await g.release();
    expect(pulls).toBe(21); // read to its end
    expect(cancelled).toBe(false);
  });

  test("release is bounded even when the read in flight never settles (a client that stopped sending)", async () => {
    let cancelled = false;
    const source = new ReadableStream<Uint8Array>({
      pull: () => new Promise<void>(() => {}), // never enqueues, never closes
      cancel() {
        cancelled = true;
      },
    });
    const g = guardBody(requestWith(source), null, 200);
    // The callee's read is in flight when it returns; it ends with the body, either way.
    const pending = g
      .body!.getReader()
      .read()
      .catch(() => ({ done: true }));
    const t0 = Date.now();
    await g.release();
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(2_000);
    await Promise.resolve();
    expect(cancelled).toBe(true);
    expect((await pending).done).toBe(true);
  });

  test("the guard reads the request body only as fast as the callee pulls", async () => {
    let pulls = 0;
    const source = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          pulls += 1;
          c.enqueue(new Uint8Array(10));
        },
      },
      { highWaterMark: 0 },
    );
    const g = guardBody(requestWith(source), null);
    const reader = g.body!.getReader();
    await reader.read();
    await new Promise((ok) => setTimeout(ok, 20));
    // One read for the callee's one pull, none ahead of it: nothing read is dropped on release.
    expect(pulls).toBe(1);
  });

  test("a body the callee never touched is drained whole by release", async () => {
    const req = requestWith(streamOf(["a", "b", "c"]));
    const g = guardBody(req, 3);
    await g.release();
    expect(g.problem()).toBeNull();
    await expect(g.body!.getReader().read()).rejects.toThrow(/released/);
  });

  test("a whole body passes, with or without a declared length", async () => {
    for (const declared of [null, 10]) {
      const g = guardBody(requestWith(streamOf(["hello", "world"])), declared);
      expect(await drain(g.body)).toBe("helloworld");
      expect(g.problem()).toBeNull();
    }
  });

  test("a read error (the runtime's 'Network connection lost') errors the body and is remembered", async () => {
    const g = guardBody(requestWith(streamOf(["hel"], new Error("Network connection lost."))), null);
    await expect(drain(g.body)).rejects.toThrow();
    expect(g.problem()).toMatch(/could not be read/);
  });

  test("fewer or more bytes than Content-Length error", async () => {
    const short = guardBody(requestWith(streamOf(["hello"])), 9);
    await expect(drain(short.body)).rejects.toThrow();
    expect(short.problem()).toMatch(/5 of 9/);
    const long = guardBody(requestWith(streamOf(["hello"])), 2);
    await expect(drain(long.body)).rejects.toThrow();
    expect(long.problem()).toMatch(/longer/);
  });

  test("an aborted request errors even when its body ended cleanly", async () => {
    const ctl = new AbortController();
    const req = requestWith(streamOf(["partial"]), ctl.signal);
    ctl.abort();
    const g = guardBody(req, null);
    await expect(drain(g.body)).rejects.toThrow();
    expect(g.problem()).toMatch(/went away/);
  });
});

describe("peekEmpty", () => {
  test("an empty chunked body is empty; a non-empty one keeps every byte", async () => {
    expect((await peekEmpty(requestWith(streamOf([])))).empty).toBe(true);
    expect((await peekEmpty(requestWith(streamOf(["", ""])))).empty).toBe(true);
    const full = await peekEmpty(requestWith(streamOf(["ab", "cd"])));
    expect(full.empty).toBe(false);
    expect(await full.req.text()).toBe("abcd");
  });
});
