/**
 * Frames on the internal feed WebSocket from a StreamDO to an edge isolate.
 * One binary message per frame: a 4-byte big-endian header length, the JSON
 * header, then the payload (the appended bytes, or for JSON streams the
 * appended messages joined by commas). Large appends travel without payload;
 * the edge reads them from the Durable Object instead.
 */

/** Sent once when the feed opens: where the stream stands. */
export interface HelloFrame {
  readonly type: "hello";
  readonly instance: string;
  readonly contentType: string;
  readonly tail: number;
  readonly nextOffset: string;
  readonly closed: boolean;
  /** The stream's sliding TTL: live readers refresh it (throttled) without a read. */
  readonly ttlSeconds: number | null;
}

/** Sent after every committed append or close. */
export interface BatchFrame {
  readonly type: "batch";
  /** Position of the first byte of this append (the previous tail). */
  readonly start: number;
  /** The tail after this append. */
  readonly end: number;
  readonly nextOffset: string;
  readonly closed: boolean;
  /** Messages (JSON) or 1 (bytes) in this append; 0 for close-only. */
  readonly count: number;
  /** False when the payload was too large to inline. */
  readonly inline: boolean;
}

export type FeedHeader = HelloFrame | BatchFrame;

/** A decoded frame. */
export interface FeedFrame {
  readonly header: FeedHeader;
  readonly payload: Uint8Array;
}

/** Payloads above this travel by reference (the edge reads them). */
export const INLINE_PAYLOAD_MAX = 256 * 1024;

/** WebSocket close code the StreamDO uses when the stream is deleted or expired. */
export const CLOSE_STREAM_GONE = 4404;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes a frame into one binary message. */
export function encodeFrame(header: FeedHeader, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const head = encoder.encode(JSON.stringify(header));
  const out = new Uint8Array(4 + head.length + payload.length);
  new DataView(out.buffer).setUint32(0, head.length);
  out.set(head, 4);
  out.set(payload, 4 + head.length);
  return out;
}

/** Decodes one binary message; undefined when it is not a valid frame. */
export function decodeFrame(message: ArrayBuffer | Uint8Array): FeedFrame | undefined {
  const bytes = message instanceof Uint8Array ? message : new Uint8Array(message);
  if (bytes.length < 4) return undefined;
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  if (4 + len > bytes.length) return undefined;
  try {
    const header = JSON.parse(decoder.decode(bytes.subarray(4, 4 + len))) as FeedHeader;
    if (header.type !== "hello" && header.type !== "batch") return undefined;
    return { header, payload: bytes.subarray(4 + len) };
  } catch {
    return undefined;
  }
}
