/**
 * The fan-out scenario shared by the fan-out and fault tests: 3 sources,
 * 20 sessions (two sources reach all 20, one reaches 8, so both the queued
 * and the inline path run), interleaved publishes, and the check that every
 * session holds every message of its sources exactly once, in source order.
 */
import { expect } from "vitest";
import { publish, readAll, subscribe, type Envelope } from "./estuary.js";

/** The names of one scenario run. */
export interface Scenario {
  readonly sources: readonly string[];
  readonly sessions: readonly string[];
  /** Which sources each session subscribes to. */
  readonly subscriptions: ReadonlyMap<string, readonly string[]>;
}

/** Creates the sources and subscribes the sessions. */
export async function setUpScenario(base: string, prefix: string): Promise<Scenario> {
  const sources = ["a", "b", "c"].map((s) => `${prefix}-src-${s}`);
  const sessions = Array.from({ length: 20 }, (_, i) => `${prefix}-sess-${i}`);
  const subscriptions = new Map<string, string[]>();
  for (const src of sources) {
    const res = await fetch(`${base}/v1/stream/${src}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(201);
  }
  for (const [i, id] of sessions.entries()) {
    const mine = i < 8 ? sources : sources.slice(0, 2);
    subscriptions.set(id, mine);
    for (const src of mine) await subscribe(base, src, id);
  }
  return { sources, sessions, subscriptions };
}

/** Publishes `rounds` rounds: each round appends to the 3 sources concurrently; every 5th round is a 2-message batch. */
export async function publishRounds(base: string, s: Scenario, from: number, to: number): Promise<void> {
  for (let r = from; r < to; r++) {
    await Promise.all(
      s.sources.map((src) =>
        publish(
          `${base}/v1/stream/${src}`,
          r % 5 === 4
            ? [
                { src, r, part: 0 },
                { src, r, part: 1 },
              ]
            : { src, r },
        ),
      ),
    );
  }
}

/** What `publishRounds(0, rounds)` appended to a source, in order. */
export function published(src: string, rounds: number): unknown[] {
  const out: unknown[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 5 === 4) out.push({ src, r, part: 0 }, { src, r, part: 1 });
    else out.push({ src, r });
  }
  return out;
}

/**
 * Waits until every session holds as many messages as its sources got in
 * `rounds` rounds, then checks them exactly. Reads only the session streams,
 * never the sources (so it does not wake a source's Durable Object).
 */
export async function expectExactlyOnceInOrder(
  base: string,
  s: Scenario,
  rounds: number,
  timeoutMs = 60_000,
): Promise<number> {
  const expected = new Map<string, unknown[]>();
  for (const src of s.sources) expected.set(src, published(src, rounds));
  const want = (id: string) => s.subscriptions.get(id)!.reduce((n, src) => n + expected.get(src)!.length, 0);
  const deadline = Date.now() + timeoutMs;
  const held = new Map<string, Envelope[]>();
  for (const id of s.sessions) {
    for (;;) {
      const got = await readAll(`${base}/v1/stream/${id}`);
      held.set(id, got);
      if (got.length >= want(id)) break;
      if (Date.now() > deadline) throw new Error(`session ${id} holds ${got.length} of ${want(id)} messages`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  let total = 0;
  for (const id of s.sessions) {
    const got = held.get(id)!;
    expect(got.length, `${id} message count`).toBe(want(id));
    for (const src of s.sources) {
      const mine = got.filter((e) => e.stream === src);
      const wanted = s.subscriptions.get(id)!.includes(src) ? expected.get(src)! : [];
      expect(
        mine.map((e) => e.data),
        `${id} from ${src}`,
      ).toEqual(wanted);
      const offsets = mine.map((e) => e.offset);
      expect(offsets, `${id} offsets of ${src} increase`).toEqual([...offsets].sort());
      expect(new Set(offsets).size).toBe(offsets.length);
    }
    total += got.length;
  }
  return total;
}
