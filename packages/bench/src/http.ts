/**
 * Protocol helpers shared by the workloads. Every failure throws with the
 * status and the start of the body, so an error row in the table says what the
 * server answered.
 */
import { request, type BufferedResponse } from "./client.ts";

// Stream names handed out per base URL, so the runner can read each stream's own counters.
const usedStreams = new Map<string, Set<string>>();

/** The URL of stream `name` on a target base URL (single-segment name = default project). */
export function streamUrl(baseUrl: string, name: string): string {
  const names = usedStreams.get(baseUrl) ?? new Set<string>();
  usedStreams.set(baseUrl, names);
  names.add(name);
  return `${baseUrl}/v1/stream/${encodeURIComponent(name)}`;
}

/** The stream names used on `baseUrl` since the last `forgetStreams`. */
export function streamsUsed(baseUrl: string): string[] {
  return [...(usedStreams.get(baseUrl) ?? [])];
}

/** Starts a new record of stream names for `baseUrl`. */
export function forgetStreams(baseUrl: string): void {
  usedStreams.delete(baseUrl);
}

/** Throws a descriptive error unless the status is 2xx; returns the response. */
export function expectOk(res: BufferedResponse, what: string): BufferedResponse {
  if (res.status < 200 || res.status > 299) {
    const text = res.body.subarray(0, 300).toString("utf8").replace(/\s+/g, " ").trim();
    throw new Error(`${what}: HTTP ${res.status}${text ? ` ${text}` : ""}`);
  }
  return res;
}

/** Creates a stream (PUT) with the given content type; resolves to its tail offset. */
export async function createStream(
  url: string,
  contentType: string,
  body?: Uint8Array | string,
): Promise<string> {
  const res = await request(url, {
    method: "PUT",
    headers: { "content-type": contentType },
    ...(body !== undefined ? { body } : {}),
  });
  expectOk(res, `PUT ${new URL(url).pathname}`);
  return res.header("stream-next-offset") ?? "-1";
}

/** Appends one body (POST); resolves to the new tail offset. */
export async function appendOnce(
  url: string,
  contentType: string,
  body: Uint8Array | string,
): Promise<string> {
  const res = await request(url, { method: "POST", headers: { "content-type": contentType }, body });
  expectOk(res, `POST ${new URL(url).pathname}`);
  return res.header("stream-next-offset") ?? "";
}

/** Runs `fn` and returns how long it took in milliseconds (high-resolution clock). */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** A payload of exactly `bytes` bytes (printable, so text streams accept it too). */
export function payload(bytes: number, tag = ""): string {
  const fill = "abcdefghijklmnopqrstuvwxyz0123456789";
  let s = tag;
  while (s.length < bytes) s += fill;
  return s.slice(0, bytes);
}

/**
 * Runs `count` tasks with at most `concurrency` in flight, stopping early when
 * `deadline` (ms since epoch) passes. Resolves to how many tasks completed.
 */
export async function pool(
  concurrency: number,
  count: number,
  deadline: number,
  task: (i: number, worker: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  let done = 0;
  const worker = async (w: number) => {
    while (next < count && Date.now() < deadline) {
      const i = next++;
      await task(i, w);
      done++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, (_, w) => worker(w)));
  return done;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` every 2 ms; false when `timeoutMs` passes first. */
export async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await sleep(2);
  }
  return true;
}

/** `size` deterministic incompressible-looking bytes (xorshift), so gzip on a server gains nothing. */
export function randomChunk(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
