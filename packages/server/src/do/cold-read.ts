/**
 * Reads of a stream's own data, stitched across its sealed R2 segments and
 * the hot log: a read that reaches the end of a segment continues in the next
 * segment (or the hot log) until the read limit, so no response is ever empty
 * at a segment boundary.
 */
import { locateInSegment, segmentKey, findMessage, relOf, type SegmentDescriptor } from "../cold/segment-format.js";
import { loadDescriptor, readSegment } from "../cold/segment-reader.js";
import { failure, type Failure, type Result } from "../protocol/errors.js";
import { isFailure } from "../protocol/parse.js";
import type { StreamHost } from "./host.js";
import type { StreamMeta } from "./meta.js";
import type { RangeOk } from "./rpc-types.js";
import type { SegmentRow } from "./segment-index.js";

const NOT_BOUNDARY = "Offset does not fall on a message boundary of this JSON stream";

/** Reads [pos, limit) of the stream's own data, up to about `maxBytes`. */
export async function readOwn(
  host: StreamHost,
  m: StreamMeta,
  pos: number,
  limit: number,
  maxBytes: number,
  json: boolean,
): Promise<Result<RangeOk>> {
  const pieces: Uint8Array[] = [];
  let bytes = 0;
  let at = pos;
  while (at < limit && (bytes < maxBytes || pieces.length === 0)) {
    if (json) {
      // A message larger than a read is read alone, and only its first piece
      // (the edge reads the rest in bounded pieces, do/read-piece.ts).
      const end = await ownMessageEnd(host, m, at, limit);
      if (isFailure(end)) return end;
      if (end - at > maxBytes && pieces.length > 0) break;
      if (end - at > maxBytes) {
        const first = await readOwn(host, m, at, at + maxBytes, maxBytes, false);
        return first.ok ? { ...first, next: end, partial: true } : first;
      }
    }
    const seg = host.segments.sealedAt(at);
    if (!seg) {
      const hot = host.store.read(at, limit, maxBytes - bytes, json);
      if (isFailure(hot)) return hot;
      pieces.push(...hot.pieces);
      bytes += hot.bytes;
      at = hot.next;
      break;
    }
    const key = segmentKey(host.doId, m.instance, seg.seq);
    let slice;
    try {
      const d = await descriptorOf(host, key);
      slice = await readSegment(host.requireBucket(), key, d, at, maxBytes - bytes, json, limit);
    } catch (e) {
      console.error(JSON.stringify({ msg: "sealed segment read failed", key, error: String(e) }));
      return failure(503, "unavailable", "Sealed stream data could not be read from R2; retry the request");
    }
    if (!slice) return failure(400, "invalid_offset", NOT_BOUNDARY);
    pieces.push(...slice.pieces);
    bytes += slice.bytes;
    at = slice.next;
    if (at < seg.end) break;
  }
  return { ok: true, pieces, bytes, next: at };
}

/** Where the JSON message starting at `pos` ends (a message never spans segments); 400 off a boundary. */
async function ownMessageEnd(host: StreamHost, m: StreamMeta, pos: number, limit: number): Promise<number | Failure> {
  const seg = host.segments.sealedAt(pos);
  if (!seg) return host.store.messageEnd(pos, limit);
  let d: SegmentDescriptor;
  try {
    d = await descriptorOf(host, segmentKey(host.doId, m.instance, seg.seq));
  } catch (e) {
    console.error(JSON.stringify({ msg: "sealed segment read failed", seq: seg.seq, error: String(e) }));
    return failure(503, "unavailable", "Sealed stream data could not be read from R2; retry the request");
  }
  const i = findMessage(d.index, pos - d.start);
  if (i < 0) return failure(400, "invalid_offset", NOT_BOUNDARY);
  const bound = Math.min(d.end, limit);
  const next = i + 1 < d.index.length ? d.start + relOf(d.index, i + 1) : bound;
  return Math.min(next, bound);
}

/** True when `pos` begins a message of the stream's own data (or is the tail). */
export async function isOwnMessageBoundary(host: StreamHost, m: StreamMeta, pos: number): Promise<boolean> {
  const seg = host.segments.sealedAt(pos);
  if (!seg) return host.store.isMessageBoundary(pos, m.tail);
  const d = await descriptorOf(host, segmentKey(host.doId, m.instance, seg.seq));
  return findMessage(d.index, pos - d.start) >= 0;
}

/** Resolves a fork sub-offset in the stream's own data (hot or sealed). */
export async function locateOwnSubOffset(
  host: StreamHost,
  m: StreamMeta,
  pos: number,
  sub: number,
  limit: number,
  json: boolean,
): Promise<number | Failure> {
  if (sub === 0) return pos;
  const seg: SegmentRow | undefined = host.segments.sealedAt(pos);
  if (!seg) return host.store.locateSubOffset(pos, sub, limit, json);
  const d = await descriptorOf(host, segmentKey(host.doId, m.instance, seg.seq));
  const r = locateInSegment(d, pos, sub, limit, json);
  if (typeof r === "number") return r;
  return failure(
    400,
    "invalid_header",
    r === "bytes"
      ? `Stream-Fork-Sub-Offset ${sub} is past the end of the append at the fork offset`
      : `Stream-Fork-Sub-Offset ${sub} is more messages than the batch at the fork offset holds`,
  );
}

async function descriptorOf(host: StreamHost, key: string): Promise<SegmentDescriptor> {
  const d = await loadDescriptor(host.requireBucket(), key);
  // The index says this segment is sealed: its object must exist.
  if (!d) throw new Error(`sealed segment ${key} is missing from R2`);
  return d;
}
