/**
 * One object's exclusive section: operations that await storage or R2 in the
 * middle run one after another, in arrival order.
 *
 * An operation must not hold the lock while it waits on another object that
 * may be waiting on this one: two creates forking each other would each hold
 * its own lock and wait for the other's forever. Such a call runs through
 * `Held.outside`, which lets the next operations in for the duration of the
 * call and queues up again afterwards; whatever it read before the call may
 * have changed when it gets the lock back, so it re-reads.
 */

/** What an operation running under the lock can do with it. */
export interface Held {
  /** Runs `call` without the lock, then waits for the lock again. */
  outside<T>(call: () => Promise<T>): Promise<T>;
}

export class Lock {
  private last: Promise<void> = Promise.resolve();

  /** Runs `fn` once every operation queued before it has finished. */
  async run<T>(fn: (held: Held) => Promise<T>): Promise<T> {
    let release = await this.acquire();
    const held: Held = {
      outside: async (call) => {
        release();
        try {
          return await call();
        } finally {
          release = await this.acquire();
        }
      },
    };
    try {
      return await fn(held);
    } finally {
      release();
    }
  }

  private acquire(): Promise<() => void> {
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const before = this.last;
    this.last = before.then(() => mine);
    return before.then(() => release);
  }
}
