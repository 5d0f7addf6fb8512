/**
 * Catalog correctness under races: bursts of concurrent create, delete,
 * close, append, fork and expiring creates on a few names (so operations on
 * one name interleave inside its StreamDO), then, once every answer is in
 * and the expiries have passed: the listing holds exactly the streams that
 * exist (no ghost, none missing), each with the live incarnation's instance
 * and closed flag — an update from a deleted incarnation never wins over the
 * re-created one.
 */
import { describe, expect, inject, test } from "vitest";
import { admin } from "./support/auth.js";
import { eventually, listAll } from "./support/catalog.js";

const run = `race${Date.now().toString(36)}`;
const NAMES = Array.from({ length: 6 }, (_, i) => `${run}-${i}`);
const url = (name: string) => `${inject("baseUrl")}/v1/stream/default/${name}`;

/** A seeded generator, so a failing burst can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** One request of a burst; one that has not answered in 10 s fails as hung (two forks' creates once deadlocked here). */
const call = (u: string, init: RequestInit) => fetch(u, { ...init, signal: AbortSignal.timeout(10_000) });

function operation(pick: () => number, expiresAt: string): () => Promise<unknown> {
  const name = NAMES[Math.floor(pick() * NAMES.length)]!;
  const other = NAMES[Math.floor(pick() * NAMES.length)]!;
  const text = { "content-type": "text/plain" };
  const ops: (() => Promise<Response>)[] = [
    () => call(url(name), { method: "PUT", headers: text }),
    () => call(url(name), { method: "PUT", headers: text }),
    () => call(url(name), { method: "DELETE" }),
    () => call(url(name), { method: "DELETE" }),
    () => call(url(name), { method: "POST", headers: text, body: "x" }),
    () => call(url(name), { method: "POST", headers: { "stream-closed": "true" } }),
    () => call(url(name), { method: "PUT", headers: { ...text, "stream-expires-at": expiresAt } }),
    () => call(url(name), { method: "PUT", headers: { "stream-forked-from": `/v1/stream/default/${other}` } }),
  ];
  const op = ops[Math.floor(pick() * ops.length)]!;
  return async () => {
    const res = await op();
    await res.arrayBuffer();
    // Races make 404s and 409s expected; a 5xx is a bug.
    expect(res.status).toBeLessThan(500);
  };
}

/** What exists, asked of each stream itself: name → closed. */
async function truth(): Promise<Map<string, boolean>> {
  const out = new Map<string, boolean>();
  for (const name of NAMES) {
    const res = await fetch(url(name), { method: "HEAD" });
    if (res.status === 200) out.set(name, res.headers.get("stream-closed") === "true");
  }
  return out;
}

describe("catalog under races", () => {
  test("after create/delete/close/fork/expire bursts settle: no ghost, none missing, the live incarnation", async () => {
    // Printed so that a failing burst can be replayed (pass it to random() in place of this).
    const seed = (0x5eed ^ Date.now()) >>> 0;
    console.log(`catalog races: seed ${seed}`);
    const pick = random(seed);
    for (let round = 0; round < 3; round++) {
      const expiresAt = new Date(Date.now() + 1_000).toISOString();
      await Promise.all(Array.from({ length: 30 }, () => operation(pick, expiresAt)()));
      await new Promise((r) => setTimeout(r, 1_100)); // past this round's expiry instant
      const exists = await truth();
      const listed = await eventually(
        () => listAll("default", { prefix: `${run}-` }),
        (l) => l.map((s) => s.name).join() === [...exists.keys()].sort().join(),
      );
      expect(
        listed.map((s) => s.name),
        `round ${round}`,
      ).toEqual([...exists.keys()].sort());
      for (const s of listed) {
        expect(s.closed, `${s.name} closed, round ${round}`).toBe(exists.get(s.name));
        // The catalog's entry belongs to the incarnation that lives now.
        const one = (await (await admin(`/default/streams/${s.name}`)).json()) as {
          stream: { instance: string };
          catalog: { instance: string } | null;
        };
        expect(one.catalog?.instance, `${s.name} instance, round ${round}`).toBe(one.stream.instance);
      }
    }
  });
});
