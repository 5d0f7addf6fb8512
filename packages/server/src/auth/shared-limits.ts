/**
 * Rate limits shared by every edge isolate. Each isolate admits requests
 * from its own token bucket (rate-limit.ts, no I/O on the request path) and
 * reports what it admitted, in batches and off the request path, to one
 * RateLimitDO per bucket key. The object keeps the bucket every isolate
 * draws from and answers with how long the key is over its limit; the
 * isolate then refuses that key locally until then. So the limit holds
 * across isolates and locations, a request never waits for the object, and
 * the object sees one request per batch instead of one per request.
 *
 * A batch is 1% of the per-minute limit, or whatever an isolate admitted in
 * the last REPORT_EVERY_MS: a key can overshoot by what the isolates admit
 * before the object's answer reaches them (docs/auth.md, "Limits").
 */

/** An isolate reports a key at least this often while it admits requests for it. */
export const REPORT_EVERY_MS = 5_000;
/** A report unanswered for this long no longer holds back the next one (a hung call). */
const REPORT_STALE_MS = 10_000;

interface KeyState {
  pending: number;
  lastReport: number;
  blockedUntil: number;
  /** When the report in flight was sent; null when none is. */
  reportingSince: number | null;
  reported: boolean;
}

/** A report to send: `used` requests admitted for `key` since the last one. */
export interface Report {
  readonly key: string;
  readonly perMinute: number;
  readonly used: number;
}

/** This isolate's view of the shared buckets: verdicts received and requests not yet reported. */
export class SharedLimits {
  private readonly keys = new Map<string, KeyState>();

  constructor(private readonly maxKeys = 10_000) {}

  private state(key: string, now: number): KeyState {
    let s = this.keys.get(key);
    if (!s) {
      s = { pending: 0, lastReport: now, blockedUntil: 0, reportingSince: null, reported: false };
      this.keys.set(key, s);
      if (this.keys.size > this.maxKeys) this.keys.delete(this.keys.keys().next().value!);
    }
    return s;
  }

  /** Seconds until the shared bucket admits `key` again (0: admitted as far as this isolate knows). */
  blockedFor(key: string, now = Date.now()): number {
    const s = this.keys.get(key);
    return s && s.blockedUntil > now ? Math.max(1, Math.ceil((s.blockedUntil - now) / 1000)) : 0;
  }

  /** Counts one admitted request; returns the report to send now, or null while batching. */
  admitted(key: string, perMinute: number, now = Date.now()): Report | null {
    const s = this.state(key, now);
    s.pending += 1;
    if (s.reportingSince !== null && now - s.reportingSince < REPORT_STALE_MS) return null;
    const batch = Math.max(1, Math.ceil(perMinute / 100));
    // A key's first request is reported at once, so a new isolate learns the shared state quickly.
    if (s.reported && s.pending < batch && now - s.lastReport < REPORT_EVERY_MS) return null;
    const used = s.pending;
    s.pending = 0;
    s.lastReport = now;
    s.reportingSince = now;
    s.reported = true;
    return { key, perMinute, used };
  }

  /** Records the object's answer to a report (`blockedForMs` null when the report failed). */
  answered(report: Report, blockedForMs: number | null, now = Date.now()): void {
    const s = this.state(report.key, now);
    s.reportingSince = null;
    if (blockedForMs === null) s.pending += report.used;
    else s.blockedUntil = blockedForMs > 0 ? now + blockedForMs : 0;
  }
}

/**
 * The shared bucket of one key, kept by its RateLimitDO: capacity
 * `perMinute`, refilled evenly over a minute, drawn down by reports.
 */
export class SharedBucket {
  private tokens: number | null = null;
  private at = 0;

  /** Takes `used` tokens; returns how long (ms) the key stays over its limit (0 when not). */
  draw(perMinute: number, used: number, now = Date.now()): number {
    if (perMinute <= 0) return 0;
    const rate = perMinute / 60_000;
    this.tokens = Math.min(perMinute, (this.tokens ?? perMinute) + (now - this.at) * rate);
    this.at = now;
    this.tokens -= used;
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / rate);
  }
}
