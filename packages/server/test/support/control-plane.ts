/** Helpers for the control-plane fault tests: debug routes, fault switches and streamed bodies. */
import { expect } from "vitest";

/** Storage facts of a stream that these tests read (test-only debug route). */
export interface ControlStats {
  meta: boolean;
  forks: { refs: number; legacyRefs: number; links: number };
  alarmAt: number | null;
  alarmJobs: Record<string, number>;
}

const debugUrl = (url: string, route: string) => url.replace("/v1/stream/", `/v1/_debug/${route}/`);

/** The stream object's storage facts. */
export async function controlStats(url: string): Promise<ControlStats> {
  const res = await fetch(debugUrl(url, "storage"));
  expect(res.status).toBe(200);
  return (await res.json()) as ControlStats;
}

/** Arms a fault switch (src/do/faults.ts) of the stream's object for the next `count` operations. */
export async function armFault(url: string, name: string, count = 1): Promise<void> {
  const res = await fetch(`${debugUrl(url, "fault")}?name=${name}&count=${count}`, { method: "POST" });
  expect(res.status).toBe(200);
}

/** The object's alarm jobs; with `job`, first schedules `debug-<job>` to run `inMs` from now. */
export async function alarmJobs(
  url: string,
  job?: string,
  inMs = 0,
): Promise<{ pending: Record<string, number>; ran: Record<string, number>; alarmAt: number | null }> {
  const q = job ? `?job=${job}&in=${inMs}` : "";
  const res = await fetch(`${debugUrl(url, "alarm-jobs")}${q}`, { method: "POST" });
  expect(res.status).toBe(200);
  return (await res.json()) as { pending: Record<string, number>; ran: Record<string, number>; alarmAt: number | null };
}

/** Polls `check` every 100 ms until it resolves true; fails after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A request body sent in pieces: `push` sends a chunk, `end` finishes it. */
export function trickle(): { body: ReadableStream<Uint8Array>; push(chunk: Uint8Array): void; end(): void } {
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) });
  return { body, push: (chunk) => ctl.enqueue(chunk), end: () => ctl.close() };
}

/** The byte position of an offset token (`<segment>_<position>`). */
export function positionOf(offset: string | null): number {
  return Number(offset?.split("_")[1]);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
