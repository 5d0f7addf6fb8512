/**
 * Delivering outbox rows to one session stream, in order, as appends with the
 * source's idempotent-producer triple. Used by the source StreamDO (inline
 * fan-out) and by the queue consumer; a retried row is a producer duplicate,
 * so it is never written twice. Every append is one subrequest of the
 * caller's budget and has a time limit.
 */
import type { AppendOk, AppendRequest, BodyInput } from "../do/rpc-types.js";
import type { Failure, Result } from "../protocol/errors.js";
import { estuaryDelivered, estuaryFailed } from "../metrics/estuary-hooks.js";
import { withTimeout, type Budget } from "./bounded.js";
import { producerPosition } from "./ids.js";
import type { OutboxRow } from "./outbox-store.js";

/** The session stream's append, as a delivery calls it (a StreamDO stub). */
export interface SessionStream {
  append(req: AppendRequest, body: BodyInput): Promise<Result<AppendOk>>;
}

/**
 * How a delivery ended; `ackedTo` is the last row id the session now holds.
 * `paused`: the invocation's budget ran out (not a failure; continue later).
 */
export type Delivery =
  | { readonly kind: "done"; readonly ackedTo: number }
  | { readonly kind: "paused"; readonly ackedTo: number }
  | { readonly kind: "retry"; readonly ackedTo: number; readonly error: string }
  | { readonly kind: "prune"; readonly ackedTo: number; readonly reason: string }
  | { readonly kind: "superseded"; readonly ackedTo: number };

/**
 * What a refused session append means: the session is gone or can never take
 * the row (prune the subscription), or a newer subscription of the same
 * session owns the producer (stop quietly). Anything else is retried.
 */
export function verdictOf(f: Failure): "prune" | "superseded" | "retry" {
  if (f.code === "producer_stale_epoch") return "superseded";
  if (f.status >= 500 || f.status === 429) return "retry";
  return "prune";
}

/** Session appends by outcome, kept by whoever delivers (the source StreamDO, or the queue consumer that reports to it). */
export interface DeliveryTally {
  appends: number;
  duplicates: number;
  pruned: number;
}

/** Limits of one delivery: the invocation's budget and the time one append may take. */
export interface DeliveryBounds {
  readonly budget: Budget;
  readonly timeoutMs: number;
  /** Where the outcomes are counted (not a module counter: the edge runs in another isolate). */
  readonly tally?: DeliveryTally;
  /** Subrequests to keep for the caller's own follow-up calls. */
  readonly reserve?: number;
}

const encoder = new TextEncoder();

/** Appends rows (ids after `sub.acked`) to the session stream, stopping at the first refusal. */
export async function deliverRows(
  stream: SessionStream,
  producerId: string,
  sub: { readonly since: number; readonly acked: number },
  rows: readonly OutboxRow[],
  bounds: DeliveryBounds,
): Promise<Delivery> {
  let ackedTo = sub.acked;
  for (const row of rows) {
    if (row.id <= ackedTo) continue;
    if (!bounds.budget.take(1, bounds.reserve ?? 0)) return { kind: "paused", ackedTo };
    const { epoch, seq } = producerPosition(sub.since, row.id);
    let r: Result<AppendOk>;
    try {
      r = await withTimeout(
        stream.append(
          { contentType: "application/json", closed: false, producer: { id: producerId, epoch, seq }, streamSeq: null },
          // The bytes themselves: one RPC message, no stream beside the call.
          encoder.encode(row.body),
        ),
        bounds.timeoutMs,
        "session append",
      );
    } catch (e) {
      estuaryFailed(producerId);
      return { kind: "retry", ackedTo, error: String(e) };
    }
    if (!r.ok) {
      estuaryFailed(producerId);
      const verdict = verdictOf(r);
      if (verdict === "retry") return { kind: "retry", ackedTo, error: `${r.status} ${r.code}` };
      if (verdict === "superseded") return { kind: "superseded", ackedTo };
      if (bounds.tally) bounds.tally.pruned += 1;
      return { kind: "prune", ackedTo, reason: `${r.status} ${r.code}: ${r.message}` };
    }
    if (bounds.tally && r.status === 204) bounds.tally.duplicates += 1;
    else if (bounds.tally) bounds.tally.appends += 1;
    estuaryDelivered(producerId, row.id, row.committedAt);
    ackedTo = row.id;
  }
  return { kind: "done", ackedTo };
}
