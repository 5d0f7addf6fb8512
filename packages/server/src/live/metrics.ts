/**
 * Per-isolate counters of the edge: what it asked of Durable Objects, what
 * the feeds delivered, and how many readers it holds. Read by
 * `GET /v1/metrics` (tests, benchmarks, the dashboard). Only code that runs
 * in the edge (or the queue consumer) may count here: on Cloudflare the
 * objects run in other isolates, so what they do is counted in their own
 * counters (StreamDO.counters(), `GET /v1/metrics/stream/...`).
 */

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
  /** ...of which long-polls. */
  longPollsWaiting: 0,
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
  /** R2 operations of the edge's sealed reads (cold/counting-bucket.ts). */
  r2ClassA: 0,
  r2ClassB: 0,
  /** Fan-out batches this isolate's queue consumer handled (deliveries are counted by each source StreamDO). */
  estuaryQueueBatches: 0,
  /** Calls this isolate's queue consumer made to source StreamDOs (work, report, requeue). */
  estuarySourceCalls: 0,
  /** Subrequests of the last queue-consumer invocation and the most any made (bounded by ESTUARY_SUBREQUEST_BUDGET). */
  estuaryConsumerSubrequestsLast: 0,
  estuaryConsumerSubrequestsMax: 0,
};

/** A snapshot of the counters, with `doRequests` (every StreamDO request this isolate made). */
export function snapshot(): Record<string, number> {
  return { ...metrics, doRequests: metrics.doReads + metrics.doWrites + metrics.doOther };
}
