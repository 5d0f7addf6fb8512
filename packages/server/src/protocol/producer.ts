/**
 * Idempotent producer rules (PROTOCOL.md §5.2.1): given the stored state of a
 * producer and the headers of an append, decide to accept, deduplicate or
 * reject. Pure: the caller persists `next` in the same transaction as the data.
 */
import { failure, type Failure } from "./errors.js";
import { H } from "./headers.js";
import type { ProducerHeaders } from "./parse.js";

/** What the server remembers per producer id. */
export interface ProducerState {
  readonly epoch: number;
  readonly lastSeq: number;
}

/** The decision for one producer append. */
export type ProducerDecision =
  | { readonly kind: "accept"; readonly next: ProducerState }
  | { readonly kind: "duplicate"; readonly state: ProducerState }
  | Failure;

/** Applies the epoch/sequence validation logic to one request. */
export function decideProducer(state: ProducerState | undefined, req: ProducerHeaders): ProducerDecision {
  if (state === undefined) {
    if (req.seq !== 0) {
      return failure(409, "producer_seq_gap", `Producer "${req.id}" is new: its first Producer-Seq must be 0`, {
        [H.producerExpectedSeq]: "0",
        [H.producerReceivedSeq]: String(req.seq),
      });
    }
    return { kind: "accept", next: { epoch: req.epoch, lastSeq: 0 } };
  }
  if (req.epoch < state.epoch) {
    return failure(
      403,
      "producer_stale_epoch",
      `Producer epoch ${req.epoch} is stale; current epoch is ${state.epoch}`,
      {
        [H.producerEpoch]: String(state.epoch),
      },
    );
  }
  if (req.epoch > state.epoch) {
    if (req.seq !== 0) {
      return failure(400, "invalid_header", `A new producer epoch must start at Producer-Seq 0 (got ${req.seq})`);
    }
    return { kind: "accept", next: { epoch: req.epoch, lastSeq: 0 } };
  }
  if (req.seq <= state.lastSeq) return { kind: "duplicate", state };
  if (req.seq === state.lastSeq + 1) return { kind: "accept", next: { epoch: req.epoch, lastSeq: req.seq } };
  return failure(409, "producer_seq_gap", `Producer-Seq gap: expected ${state.lastSeq + 1}, received ${req.seq}`, {
    [H.producerExpectedSeq]: String(state.lastSeq + 1),
    [H.producerReceivedSeq]: String(req.seq),
  });
}

/** Response headers echoing a producer's accepted state. */
export function producerEcho(state: ProducerState): Record<string, string> {
  return { [H.producerEpoch]: String(state.epoch), [H.producerSeq]: String(state.lastSeq) };
}
