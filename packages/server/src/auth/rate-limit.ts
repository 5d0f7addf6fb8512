/**
 * Token-bucket rate limiting, per edge isolate. Cheap (no I/O on the request
 * path); each isolate counts on its own, so the buckets shared across
 * isolates (shared-limits.ts) bound the global rate. It is abuse
 * protection, not metering (docs/auth.md).
 */

interface Bucket {
  tokens: number;
  at: number;
}

/** A set of buckets keyed by string, bounded in size. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly maxKeys = 10_000) {}

  /**
   * Takes one request from `key`'s bucket (capacity `perMinute`, refilled
   * evenly over a minute). Returns 0 when allowed, else seconds to wait.
   */
  take(key: string, perMinute: number, nowMs = Date.now()): number {
    if (perMinute <= 0) return 0;
    const rate = perMinute / 60_000;
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: perMinute, at: nowMs };
      this.buckets.set(key, b);
      if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    }
    b.tokens = Math.min(perMinute, b.tokens + (nowMs - b.at) * rate);
    b.at = nowMs;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000));
  }
}
