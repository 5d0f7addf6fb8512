/**
 * Test-only fault switches of a StreamDO, armed through `/v1/_debug/fault`
 * when DEBUG_ENDPOINTS is "true": each names a point where the next `count`
 * operations fail. They model what a test cannot cause from outside: a reply
 * lost after the other object committed, a statement failing inside an
 * append's transaction, or a source that is slow to answer.
 */

/** The fault points. */
export const FAULTS = [
  // This fork's source committed the attach, but the reply never arrives.
  "attach-reply",
  // This fork's source committed the detach, but the reply never arrives.
  "detach-reply",
  // This fork cannot reach its source to release it (nothing is sent).
  "release",
  // An append's transaction throws after the log insert (SQLite rolls it back).
  "append-txn",
  // This source answers a fork's attach only after SLOW_ATTACH_MS (it does not fail):
  // longer than the fork's alarm waits before it releases intents it thinks abandoned.
  "slow-attach",
] as const;

/** How long an armed "slow-attach" holds the attach back. */
export const SLOW_ATTACH_MS = 7_000;

/** One fault point. */
export type FaultName = (typeof FAULTS)[number];

/** Counters of failures still to inject, per fault point. */
export class Faults {
  private readonly left = new Map<FaultName, number>();

  /** Arms `name` for the next `count` operations. */
  arm(name: FaultName, count: number): void {
    this.left.set(name, count);
  }

  /** Waits `ms` (and counts down) when `name` is armed. */
  async delay(name: FaultName, ms: number): Promise<void> {
    const n = this.left.get(name) ?? 0;
    if (n <= 0) return;
    this.left.set(name, n - 1);
    await new Promise((r) => setTimeout(r, ms));
  }

  /** Throws (and counts down) when `name` is armed. */
  hit(name: FaultName): void {
    const n = this.left.get(name) ?? 0;
    if (n <= 0) return;
    this.left.set(name, n - 1);
    throw new Error(`fault injected: ${name}`);
  }
}

/** The fault point named `name`, or null. */
export function faultNamed(name: string): FaultName | null {
  return FAULTS.find((f) => f === name) ?? null;
}
