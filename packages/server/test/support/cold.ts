/** Helpers for the cold-storage tests: debug facts, metrics, offsets and full reads. */
import { expect } from "vitest";

/** Storage facts of a stream (test-only debug route; does not touch the stream). */
export interface ColdStats {
  meta: boolean;
  logRows: number;
  segments: number;
  pendingSegments: number;
  purges: number;
  instance: string | null;
  doId: string;
  alarmAt: number | null;
  constructedAt: number;
  served: { reads: number; writes: number; other: number };
}

const debugUrl = (url: string, route: string) => url.replace("/v1/stream/", `/v1/_debug/${route}/`);

/** The stream's storage facts. */
export async function stats(url: string): Promise<ColdStats> {
  const res = await fetch(debugUrl(url, "storage"));
  expect(res.status).toBe(200);
  return (await res.json()) as ColdStats;
}

/** Every R2 key stored under the stream's name (head and segments of any instance). */
export async function r2Keys(url: string): Promise<string[]> {
  const res = await fetch(debugUrl(url, "segments"));
  expect(res.status).toBe(200);
  return ((await res.json()) as { keys: string[] }).keys;
}

/** Forces a seal; `crash` aborts the object right after that step; "resume" only finishes a pending one. */
export async function forceRotate(url: string, crash?: string): Promise<{ crashed: boolean; sealed?: number }> {
  const q = crash === "resume" ? "?force=0" : crash ? `?crash=${crash}` : "";
  const res = await fetch(`${debugUrl(url, "rotate")}${q}`, { method: "POST" });
  expect(res.status).toBe(200);
  return (await res.json()) as { crashed: boolean; sealed?: number };
}

/**
 * Waits until no seal is pending and `done` holds; by default, until the
 * whole hot log is sealed (the cold Worker seals every append).
 */
export async function settled(
  url: string,
  done: (s: ColdStats) => boolean = (s) => s.logRows === 0 && s.segments > 0,
): Promise<ColdStats> {
  let last: ColdStats | undefined;
  for (let i = 0; i < 600; i++) {
    last = await stats(url);
    if (last.pendingSegments === 0 && done(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`stream did not settle: ${JSON.stringify(last)}`);
}

/** The edge isolate's counters. */
export async function metrics(base: string): Promise<Record<string, number>> {
  return (await (await fetch(`${base}/v1/metrics`)).json()) as Record<string, number>;
}

/** The two parts of an offset token. */
export function parseToken(token: string): { segment: number; position: number } {
  const [s, p] = token.split("_");
  return { segment: Number(s), position: Number(p) };
}

/** Formats an offset token. */
export function token(segment: number, position: number): string {
  return `${String(segment).padStart(16, "0")}_${String(position).padStart(16, "0")}`;
}

/** Reads from `offset` to the tail, following Stream-Next-Offset; returns each response body. */
export async function readToEnd(url: string, offset = "-1"): Promise<{ bodies: Uint8Array[]; next: string }> {
  const bodies: Uint8Array[] = [];
  for (let i = 0; i < 100_000; i++) {
    const res = await fetch(`${url}?offset=${offset}`);
    expect(res.status).toBe(200);
    const body = new Uint8Array(await res.arrayBuffer());
    const next = res.headers.get("stream-next-offset")!;
    if (res.headers.get("stream-up-to-date") !== "true") {
      // Never an empty response short of the tail (no gap at a segment boundary).
      expect(body.length, `empty response at ${offset}`).toBeGreaterThan(0);
    }
    bodies.push(body);
    if (res.headers.get("stream-up-to-date") === "true") return { bodies, next };
    expect(next > offset || offset === "-1", `offsets increase (${offset} -> ${next})`).toBe(true);
    offset = next;
  }
  throw new Error("read did not reach the tail");
}

/** Deterministic PRNG in [0, 1). */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

/** Runs `fn` over `items` with at most `n` in flight. */
export async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
