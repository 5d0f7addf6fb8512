/**
 * Plain-data shapes exchanged over RPC between the edge and StreamDOs, and
 * between StreamDOs (fork source calls).
 */
import type { Expiry } from "../protocol/parse.js";
import type { OffsetQuery } from "../protocol/offset.js";
import type { ProducerHeaders } from "../protocol/parse.js";
import type { Retention } from "./retention-policy.js";
import type { RetentionOk } from "./retention.js";

/**
 * A request body as the StreamDO receives it: a stream, or, for a small body
 * whose length the edge knew (edge/stream-routes.ts, INLINE_BODY_MAX_BYTES) and
 * for fan-out deliveries, the bytes themselves — one RPC message instead of a
 * stream beside the call.
 */
export type BodyInput = ReadableStream<Uint8Array> | Uint8Array | null;

/** Drops a body the callee will not read (a stream is cancelled; bytes need nothing). */
export async function discardBody(body: BodyInput): Promise<void> {
  if (body instanceof ReadableStream) await body.cancel().catch(() => {});
}

/** What every successful stream operation reports about the stream. */
export interface StreamInfo {
  readonly instance: string;
  readonly contentType: string;
  readonly nextOffset: string;
  readonly closed: boolean;
  readonly ttlSeconds: number | null;
  readonly expiresAtMs: number | null;
}

/** PUT: create or confirm a stream (or a fork). */
export interface CreateRequest {
  readonly key: string;
  readonly contentType: string | null;
  readonly expiry: Expiry;
  readonly closed: boolean;
  readonly fork: ForkRequest | null;
  /** Retention limits (project defaults and caps applied at the edge); absent: none. */
  readonly retention?: Retention;
}

/** The fork headers of a PUT. */
export interface ForkRequest {
  readonly source: string;
  readonly offset: string | null;
  readonly subOffset: number;
}

/** POST: append and/or close. */
export interface AppendRequest {
  readonly contentType: string | null;
  readonly closed: boolean;
  readonly producer: ProducerHeaders | null;
  readonly streamSeq: string | null;
}

/** GET: one catch-up read (live waiting happens at the edge, on the feed). */
export interface ReadRequest {
  readonly offset: OffsetQuery;
  /** Whether the read refreshes a sliding TTL (the first read of a client request does). */
  readonly touch: boolean;
}

/** Result of PUT. */
export interface CreateOk {
  readonly created: boolean;
  readonly info: StreamInfo;
}

/** Result of POST. */
export interface AppendOk {
  /** 200 (producer append), 204 (plain append, close, or duplicate). */
  readonly status: 200 | 204;
  readonly info: StreamInfo;
  readonly producer: { epoch: number; lastSeq: number } | null;
}

/** Result of GET. */
export interface ReadOk {
  readonly info: StreamInfo;
  readonly startOffset: string;
  /** Bytes, or for JSON streams the messages joined by commas (no brackets). */
  readonly data: Uint8Array;
  /** Number of messages (JSON) or pieces read; 0 when nothing was read. */
  readonly count: number;
  readonly nextOffset: string;
  readonly upToDate: boolean;
  /** The stream is closed and this response reaches its final offset. */
  readonly eof: boolean;
  /**
   * Set when `data` is only the start of one JSON message larger than a read:
   * the rest, read with `readRest` as a stream of bounded pieces (never one RPC value).
   */
  readonly rest?: ReadRest;
}

/** Result of HEAD. */
export interface HeadOk {
  readonly info: StreamInfo;
  /** The retained range's start and the retention limits (do/retention.ts). */
  readonly retention?: RetentionOk;
}

/** A fork asks its source for a reference (fork-links.ts: idempotent by `ref`). */
export interface AttachRequest {
  readonly ref: string;
  readonly offset: string | null;
  readonly subOffset: number;
  readonly contentType: string | null;
}

/** A fork releases its reference; `legacy` for forks created before reference sets. */
export interface DetachRequest {
  readonly ref: string;
  readonly legacy: boolean;
}

/** A fork source's answer when a fork attaches to it. */
export interface AttachOk {
  readonly contentType: string;
  readonly ttlSeconds: number | null;
  readonly expiresAtMs: number | null;
  readonly position: number;
  readonly segment: number;
  readonly offset: string;
  /** The source's retained start (do/trim.ts): the fork's history starts there too. */
  readonly start?: number;
}

/** A slice of source data for fork reads. */
export interface RangeOk {
  readonly pieces: Uint8Array[];
  readonly bytes: number;
  readonly next: number;
  /**
   * JSON only: `pieces` hold just the first bytes of one message larger than
   * a read, which ends at `next`; the rest is read in pieces (ReadRest).
   */
  readonly partial?: boolean;
}

/** The part of a large JSON message still to read after a ReadOk: [from, to) of the stream. */
export interface ReadRest {
  readonly from: number;
  readonly to: number;
}

/** The rest of a large message: raw bytes [from, to) of the stream `instance`. */
export interface PieceRequest {
  readonly instance: string;
  readonly from: number;
  readonly to: number;
}

/** A piece: the bytes from `PieceRequest.from`, at most MAX_READ_BYTES, never past its `to`. */
export interface PieceOk {
  readonly data: Uint8Array;
}

/**
 * The rest of a large message as one byte stream, which the StreamDO fills one
 * piece (PieceOk) at a time as the reader takes it. A stream, not an RPC per
 * piece: an isolate kept the bytes of RPC results it received alive past
 * garbage collection (docs/server.md "Memory budget"), bytes through a stream
 * it does not.
 */
export interface RestOk {
  readonly body: ReadableStream<Uint8Array>;
}
