/**
 * Uploading one segment object without holding the whole segment: its bytes
 * (rows, then the index) are copied into one part-sized buffer, and each full
 * buffer goes to R2 as a multipart part before the buffer is refilled. A
 * segment that fits one part is a single `put` (with its SHA-256). Peak
 * memory is one part plus one row, whatever the segment size.
 *
 * A seal interrupted mid-upload leaves an unfinished multipart upload; the
 * retry starts a new one for the same key (the bytes are deterministic), and
 * R2 aborts the stale one by its bucket lifecycle (7 days by default).
 */
import { SegmentWriter, type LogRow } from "../cold/segment-format.js";

/**
 * Bytes per multipart part: R2's minimum part size (every part but the last
 * must have the same size, at least 5 MiB), so also the seal's buffer.
 */
export const SEAL_PART_BYTES = 5 * 1024 * 1024;

/** What the upload writes. */
export interface SegmentUpload {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly messages: number;
  readonly options: { customMetadata: Record<string, string>; httpMetadata: R2HTTPMetadata };
}

/** A buffer reused across the segments of one seal run (a backlog is several). */
export class SealBuffer {
  private buf: Uint8Array | undefined;

  /** A buffer of at least `n` bytes (capped at one part), reused when large enough. */
  take(n: number): Uint8Array {
    const want = Math.min(n, SEAL_PART_BYTES);
    if (!this.buf || this.buf.length < want) this.buf = new Uint8Array(want);
    return this.buf;
  }
}

/**
 * Copies `chunks` through `buf`, yielding a view of it each time it is full
 * and once more for the rest. The caller must be done with a yielded view
 * before it asks for the next one: the buffer is then overwritten.
 */
export function* fillParts(chunks: Iterable<Uint8Array>, buf: Uint8Array): Generator<Uint8Array> {
  let fill = 0;
  for (const chunk of chunks) {
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(buf.length - fill, chunk.length - at);
      buf.set(chunk.subarray(at, at + n), fill);
      fill += n;
      at += n;
      if (fill === buf.length) {
        yield buf;
        fill = 0;
      }
    }
  }
  if (fill > 0) yield buf.subarray(0, fill);
}

/** The object's bytes in order: each row's data, then the index (validated by SegmentWriter). */
function* segmentBytes(rows: Iterable<LogRow>, w: SegmentWriter): Generator<Uint8Array> {
  for (const r of rows) yield w.row(r);
  yield w.finish();
}

/** Writes one segment object from its hot rows, one part-sized buffer at a time. */
export async function uploadSegment(
  bucket: R2Bucket,
  seg: SegmentUpload,
  rows: Iterable<LogRow>,
  buffers: SealBuffer,
): Promise<void> {
  const w = new SegmentWriter(seg.start, seg.end, seg.messages);
  const buf = buffers.take(w.size);
  if (w.size <= SEAL_PART_BYTES) {
    const body = buf.subarray(0, w.size);
    let filled = 0;
    for (const part of fillParts(segmentBytes(rows, w), body)) filled += part.length;
    if (filled !== w.size) throw new Error(`segment [${seg.start}, ${seg.end}) is ${filled} bytes, not ${w.size}`);
    const sha256 = await crypto.subtle.digest("SHA-256", body);
    await bucket.put(seg.key, body, { ...seg.options, sha256 });
    return;
  }
  const upload = await bucket.createMultipartUpload(seg.key, seg.options);
  try {
    const parts: R2UploadedPart[] = [];
    for (const part of fillParts(segmentBytes(rows, w), buf)) {
      parts.push(await upload.uploadPart(parts.length + 1, part));
    }
    await upload.complete(parts);
  } catch (e) {
    await upload.abort().catch(() => undefined);
    throw e;
  }
}
