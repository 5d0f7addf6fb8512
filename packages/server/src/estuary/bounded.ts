/**
 * Bounds for one fan-out invocation: a subrequest budget (Cloudflare counts
 * subrequests per invocation) and a time limit on every call, so that one
 * call that never returns cannot hold a drain, an alarm or a queue batch.
 * Pure: tested in Node.
 */

/** Counts the subrequests one invocation makes and refuses those past its limit. */
export class Budget {
  private used = 0;

  constructor(readonly limit: number) {}

  /** Takes `n` subrequests if `reserve` more remain afterwards; false when the budget cannot afford them. */
  take(n = 1, reserve = 0): boolean {
    if (this.used + n + reserve > this.limit) return false;
    this.used += n;
    return true;
  }

  /** Spends `n` subrequests that an earlier `take` kept in reserve. */
  spend(n = 1): void {
    this.used += n;
  }

  /** Subrequests taken so far. */
  get spent(): number {
    return this.used;
  }

  /** Subrequests still available. */
  get left(): number {
    return this.limit - this.used;
  }
}

/** Thrown when a bounded call did not answer in time. */
export class CallTimeout extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = "CallTimeout";
  }
}

/** Resolves like `p`, or rejects with CallTimeout after `ms` (the call itself may still finish later). */
export function withTimeout<T>(p: PromiseLike<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CallTimeout(what, ms)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Backoff before retrying a subscriber after `attempts` failures in a row (ms). */
export function backoffMs(attempts: number, maxMs = 60_000): number {
  return Math.min(maxMs, 500 * 2 ** Math.min(Math.max(attempts, 1), 10));
}
