/** Small helpers shared by the workerd test files. */
import { inject } from "vitest";

let counter = 0;

/** A stream URL unique to this test run, on `base` (the shared test Worker by default). */
export function streamUrl(prefix: string, base: string = inject("baseUrl")): string {
  counter += 1;
  return `${base}/v1/stream/${prefix}-${Date.now().toString(36)}-${counter}`;
}

/** Resolves when `check` returns true, polling every 20 ms; rejects after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Deterministic pseudo-random bytes (every byte value appears). */
export function bytesOf(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
