/**
 * Forks whose calls cross: two streams created at once, each forked from the
 * other, and a delete that releases its source while that source is being
 * created as a fork of it. Each object calls the other while the other calls
 * it; every request must answer (a 404 or a 201), never wait forever. A
 * create calls its source outside its object's lock (do/lock.ts), so the
 * fork's own alarm can run meanwhile: it must not release what the create is
 * still attaching.
 */
import { describe, expect, test } from "vitest";
import { streamUrl } from "./support/util.js";

const text = { "content-type": "text/plain" };
const forkOf = (url: string) => ({ ...text, "stream-forked-from": new URL(url).pathname });
/** A request that has not answered in `ms` counts as hung (the test then fails, it does not wait). */
const call = (url: string, init: RequestInit, ms = 10_000) =>
  fetch(url, { ...init, signal: AbortSignal.timeout(ms) }).then(async (r) => (await r.arrayBuffer(), r.status));

describe("forks whose calls cross", () => {
  test("two creates, each forking the other, both answer", async () => {
    for (let round = 0; round < 5; round++) {
      const a = streamUrl(`cross-a-${round}`);
      const b = streamUrl(`cross-b-${round}`);
      const statuses = await Promise.all([
        call(a, { method: "PUT", headers: forkOf(b) }),
        call(b, { method: "PUT", headers: forkOf(a) }),
      ]);
      // Neither source exists when its fork asks it; one of them may by the time the other asks.
      for (const s of statuses) expect([201, 404]).toContain(s);
    }
  });

  test("a fork's delete releasing its source while the source is created as a fork of it: both answer", async () => {
    for (let round = 0; round < 5; round++) {
      const src = streamUrl(`cross-src-${round}`);
      const fork = streamUrl(`cross-fork-${round}`);
      expect(await call(src, { method: "PUT", headers: text })).toBe(201);
      expect(await call(fork, { method: "PUT", headers: forkOf(src) })).toBe(201);
      expect(await call(src, { method: "DELETE" })).toBe(204); // soft-deleted: the fork holds it
      const statuses = await Promise.all([
        call(fork, { method: "DELETE" }),
        call(src, { method: "PUT", headers: forkOf(fork) }),
      ]);
      expect(statuses[0]).toBe(204);
      expect([201, 404, 409, 503]).toContain(statuses[1]);
    }
  });

  test("a slow source: the fork's alarm leaves alone the reference its create is still attaching", async () => {
    const src = streamUrl("slow-src");
    const fork = streamUrl("slow-fork");
    expect(await call(src, { method: "PUT", headers: text, body: "x" })).toBe(201);
    // The source answers the attach after 7 s; the fork's alarm looks for abandoned intents after 5 s.
    const arm = await fetch(`${src.replace("/v1/stream/", "/v1/_debug/fault/")}?name=slow-attach&count=1`, {
      method: "POST",
    });
    expect(arm.status).toBe(200);
    expect(await call(fork, { method: "PUT", headers: forkOf(src) }, 20_000)).toBe(201);
    // The source still counts the fork: a delete keeps its data for the fork (410, not gone).
    expect(await call(src, { method: "DELETE" })).toBe(204);
    expect((await fetch(src)).status).toBe(410);
    expect(await (await fetch(`${fork}?offset=-1`)).text()).toBe("x");
  }, 30_000);
});
