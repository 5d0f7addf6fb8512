/** Wire names of the protocol's headers and query parameters, defined once. */
export const H = {
  contentType: "content-type",
  streamTtl: "stream-ttl",
  streamExpiresAt: "stream-expires-at",
  streamSeq: "stream-seq",
  streamCursor: "stream-cursor",
  streamNextOffset: "stream-next-offset",
  streamUpToDate: "stream-up-to-date",
  streamClosed: "stream-closed",
  streamForkedFrom: "stream-forked-from",
  streamForkOffset: "stream-fork-offset",
  streamForkSubOffset: "stream-fork-sub-offset",
  sseDataEncoding: "stream-sse-data-encoding",
  producerId: "producer-id",
  producerEpoch: "producer-epoch",
  producerSeq: "producer-seq",
  producerExpectedSeq: "producer-expected-seq",
  producerReceivedSeq: "producer-received-seq",
  etag: "etag",
  ifNoneMatch: "if-none-match",
  cacheControl: "cache-control",
  location: "location",
} as const;

/** Query parameters the protocol reads. */
export const Q = {
  offset: "offset",
  live: "live",
  cursor: "cursor",
} as const;

/** Live read modes (`live=` query parameter). */
export type LiveMode = "long-poll" | "sse";

/** Headers a browser may send cross-origin (CORS preflight allow-list). */
export const CORS_ALLOW_HEADERS = [
  "authorization",
  H.contentType,
  H.streamTtl,
  H.streamExpiresAt,
  H.streamSeq,
  H.streamClosed,
  H.streamForkedFrom,
  H.streamForkOffset,
  H.streamForkSubOffset,
  H.producerId,
  H.producerEpoch,
  H.producerSeq,
  H.ifNoneMatch,
  "stream-retention-bytes",
  "stream-retention-messages",
  "stream-retention-seconds",
  "stream-trim-before",
  "last-event-id",
  "cache-control",
] as const;

/** Response headers a browser script may read (CORS expose list). */
export const CORS_EXPOSE_HEADERS = [
  H.streamNextOffset,
  H.streamUpToDate,
  H.streamClosed,
  H.streamCursor,
  H.streamTtl,
  H.streamExpiresAt,
  H.sseDataEncoding,
  H.producerEpoch,
  H.producerSeq,
  H.producerExpectedSeq,
  H.producerReceivedSeq,
  H.etag,
  H.location,
  H.contentType,
  "stream-start-offset",
  "stream-retention-bytes",
  "stream-retention-messages",
  "stream-retention-seconds",
  "retry-after",
] as const;
