/**
 * The isolate-wide caches of R2 loads (a stream's head at the edge, segment
 * descriptors) share a load that is still in flight. When the request that
 * started it is cancelled, that promise can stay pending for good
 * (live/shared-wait.ts); a later request must then load on its own instead of
 * waiting with it. Modelled here with a bucket whose first call never settles.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { readSealed } from "./edge-reader.js";
import { loadDescriptor, type SegmentBucket } from "./segment-reader.js";
import { SHARED_WAIT_MS } from "../live/shared-wait.js";

/** A bucket whose first get/head hangs forever; later ones find nothing. */
function firstCallHangs(): SegmentBucket & { calls: number } {
  const b = {
    calls: 0,
    get: () => (++b.calls === 1 ? new Promise<never>(() => {}) : Promise.resolve(null)),
    head: () => (++b.calls === 1 ? new Promise<never>(() => {}) : Promise.resolve(null)),
  };
  return b as unknown as SegmentBucket & { calls: number };
}

/** Settles `p` with fake time moved past the shared wait; "pending" if it still has not. */
async function afterSharedWait<T>(p: Promise<T>): Promise<T | "pending"> {
  let out: T | "pending" = "pending";
  void p.then((v) => (out = v));
  await vi.advanceTimersByTimeAsync(SHARED_WAIT_MS + 1);
  return out;
}

describe("shared R2 loads whose owner went away", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  test("a segment descriptor: the second reader loads it itself", async () => {
    const bucket = firstCallHangs();
    const key = `seg-${Math.random()}`;
    void loadDescriptor(bucket, key); // the first request: its load never settles
    expect(await afterSharedWait(loadDescriptor(bucket, key))).toBeNull();
    expect(bucket.calls).toBe(2);
  });

  test("a stream's head at the edge: the second reader loads it itself", async () => {
    const bucket = firstCallHangs();
    const target = {
      key: "default/s",
      doId: `do-${Math.random()}`,
      bucket,
      maxReadBytes: 1024,
      headCacheMs: 60_000,
      waitUntil: () => {},
      touch: async () => {},
    };
    const req = { offset: { kind: "start" as const }, touch: false };
    void readSealed(target, req);
    // No head: the object answers (null), instead of a read that never returns.
    expect(await afterSharedWait(readSealed(target, req))).toBeNull();
    expect(bucket.calls).toBe(2);
  });
});
