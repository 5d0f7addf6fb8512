/**
 * Per-isolate counters of the edge: what it asked of Durable Objects, what
 * the feeds delivered, and how many readers it holds. Read by
 * `GET /v1/metrics` (tests, benchmarks, the dashboard).
 */
import { r2Counters } from "../cold/segment-reader.js";

export const metrics = {
  /** Requests this isolate served (the metrics endpoint itself excluded). */
  workerRequests: 0,
  /** RPC calls made to StreamDOs, by kind. */
  doReads: 0,
  doWrites: 0,
  doOther: 0,
  /** Reads answered by joining an identical in-flight read. */
  collapsedReads: 0,
  /** Live reads answered from a feed's memory (no Durable Object request). */
  feedHits: 0,
  feedsOpened: 0,
  feedsClosed: 0,
  feedFrames: 0,
  /** Readers currently waiting on a feed (long-poll and SSE). */
  readersWaiting: 0,
  longPollsOpen: 0,
  sseOpen: 0,
  cacheHits: 0,
  cacheMisses: 0,
  cachePuts: 0,
  /** Catch-up reads of sealed history answered at the edge (no StreamDO request). */
  coldReads: 0,
  /** ...of which came from the Workers Cache API rather than R2. */
  coldCacheHits: 0,
  /** Reads that looked sealed but went to the StreamDO (e.g. the newest segment's last chunk). */
  coldFallbacks: 0,
  /** Estuary fan-out: session-stream appends (inline and from the queue), by outcome. */
  estuaryAppends: 0,
  estuaryDuplicates: 0,
  estuaryPruned: 0,
  /** Fan-out messages sent to / batches received from Cloudflare Queues. */
  estuaryQueueSent: 0,
  estuaryQueueBatches: 0,
  /** Calls the queue consumer made to source StreamDOs (work + report). */
  estuarySourceCalls: 0,
  /** Subrequests of the last queue-consumer invocation and the most any made (bounded by ESTUARY_SUBREQUEST_BUDGET). */
  estuaryConsumerSubrequestsLast: 0,
  estuaryConsumerSubrequestsMax: 0,
};

/** A snapshot of the counters, with `doRequests` (every StreamDO request this isolate made) and its R2 reads. */
export function snapshot(): Record<string, number> {
  return { ...metrics, ...r2Counters, doRequests: metrics.doReads + metrics.doWrites + metrics.doOther };
}
