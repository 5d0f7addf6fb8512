/**
 * PROTOCOL.md §5.2.1: validation + append are serialised per (stream,
 * producer). A producer's append takes its turn when the call arrives, before
 * its body is read, so a small seq N+1 sent right after a large, still
 * uploading seq N waits for N instead of failing with a false sequence gap.
 * Turns are per producer id: other producers and plain appends never wait.
 * A wait is bounded, so a stalled upload holds back only its own producer,
 * and only for that long.
 */

/** Gives the turn back (call once the append committed or failed). */
export type Release = () => void;

/** FIFO turns per producer id, within one StreamDO. */
export class ProducerTurns {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly waitMs: number) {}

  /** Waits for this producer's earlier appends; null when they took longer than the bound. */
  async take(id: string): Promise<Release | null> {
    const before = this.tails.get(id) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((r) => (done = r));
    // The next append waits for this one and for everything before it.
    const tail = Promise.all([before, mine]).then(() => undefined);
    this.tails.set(id, tail);
    // Forgotten only once this and every earlier append are done (a timed-out waiter is not).
    void tail.then(() => {
      if (this.tails.get(id) === tail) this.tails.delete(id);
    });
    const release: Release = done;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), this.waitMs)));
    const late = await Promise.race([before.then(() => false), expired]);
    clearTimeout(timer);
    if (late) {
      release();
      return null;
    }
    return release;
  }

  /** Producers with an append in progress or waiting (tests). */
  busy(): number {
    return this.tails.size;
  }
}
