/**
 * Test-only fault switches of a StreamDO, armed through `/v1/_debug/fault`
 * when DEBUG_ENDPOINTS is "true": each names a point where the next `count`
 * operations fail. They model what a test cannot cause from outside: a reply
 * lost after the other object committed, or a statement failing inside an
 * append's transaction.
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
] as const;

/** One fault point. */
export type FaultName = (typeof FAULTS)[number];

/** Counters of failures still to inject, per fault point. */
export class Faults {
  private readonly left = new Map<FaultName, number>();

  /** Arms `name` for the next `count` operations. */
  arm(name: FaultName, count: number): void {
    this.left.set(name, count);
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
