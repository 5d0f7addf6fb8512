import { describe, expect, test } from "vitest";
import { drainUnread } from "./drain.js";

const bodyOf = (chunks: number, size: number, endless = false) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < chunks; i++) c.enqueue(new Uint8Array(size));
      if (!endless) c.close();
    },
  });
const post = (body: ReadableStream<Uint8Array>) =>
  new Request("http://x/", { method: "POST", body, duplex: "half" } as RequestInit);

describe("drainUnread", () => {
  test("reads a refused body to its end", async () => {
    expect(await drainUnread(post(bodyOf(4, 1000)))).toBe(4000);
  });

  test("stops past the byte bound", async () => {
    expect(await drainUnread(post(bodyOf(10, 1000)), 2500)).toBe(3000);
  });

  test("stops after the time bound when the body never ends", async () => {
    const started = Date.now();
    expect(await drainUnread(post(bodyOf(1, 10, true)), 1_000_000, 50)).toBe(10);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  test("drains the rest of a body read in part", async () => {
    const req = post(bodyOf(3, 100));
    const reader = req.body!.getReader();
    await reader.read();
    reader.releaseLock();
    expect(await drainUnread(req)).toBe(200);
  });

  test("leaves a consumed or absent body alone", async () => {
    const req = post(bodyOf(1, 10));
    await req.arrayBuffer();
    expect(await drainUnread(req)).toBe(0);
    expect(await drainUnread(new Request("http://x/"))).toBe(0);
  });
});
