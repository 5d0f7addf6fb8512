/**
 * Reading sealed segments from R2, shared by the StreamDO and the edge. A
 * segment's descriptor (metadata + message index) is immutable, so each
 * isolate keeps recent ones in memory; data is read with range requests.
 */
import {
  decodeIndex,
  infoFromMetadata,
  piecesOf,
  planRead,
  type SegmentDescriptor,
  type ReadPlan,
  type SegmentHead,
  parseHead,
} from "./segment-format.js";
import { awaitShared, LATE } from "../live/shared-wait.js";

/** The slice of R2 used for reading. */
export type SegmentBucket = Pick<R2Bucket, "get" | "head">;

/** Bytes of descriptors (mostly message indexes, 4 bytes a message) one isolate keeps (docs/server.md "Memory budget"). */
export const DESCRIPTOR_CACHE_BYTES = 8 * 1024 * 1024;
const DESCRIPTOR_OVERHEAD = 256;
const descriptors = new Map<string, { d: Promise<SegmentDescriptor | null>; bytes: number }>();
let cachedBytes = 0;

function forget(key: string, only?: { bytes: number }): void {
  const e = descriptors.get(key);
  if (!e || (only && e !== only)) return;
  cachedBytes -= e.bytes;
  descriptors.delete(key);
}

/** A segment's descriptor, or null when the object does not exist. */
export async function loadDescriptor(bucket: SegmentBucket, key: string): Promise<SegmentDescriptor | null> {
  const hit = descriptors.get(key);
  if (hit) {
    descriptors.delete(key);
    descriptors.set(key, hit);
    // Possibly another request's load, still in flight (live/shared-wait.ts).
    const d = await awaitShared(hit.d);
    if (d !== LATE) return d;
    forget(key, hit);
  }
  const loading = fetchDescriptor(bucket, key);
  const entry = { d: loading, bytes: DESCRIPTOR_OVERHEAD };
  descriptors.set(key, entry);
  cachedBytes += entry.bytes;
  // Failures and misses are not remembered: a retry may find the object.
  void loading.then(
    (d) => {
      if (d === null) return forget(key, entry);
      if (descriptors.get(key) !== entry) return;
      const bytes = DESCRIPTOR_OVERHEAD + d.index.byteLength;
      cachedBytes += bytes - entry.bytes;
      entry.bytes = bytes;
      evict();
    },
    () => forget(key, entry),
  );
  evict();
  return loading;
}

/** Drops the least recently used descriptors until the cache fits its byte budget. */
function evict(): void {
  while (cachedBytes > DESCRIPTOR_CACHE_BYTES && descriptors.size > 1) forget(descriptors.keys().next().value!);
}

async function fetchDescriptor(bucket: SegmentBucket, key: string): Promise<SegmentDescriptor | null> {
  const head = await bucket.head(key);
  if (!head) return null;
  const info = infoFromMetadata(head.customMetadata);
  if (!info) throw new Error(`segment object ${key} has no valid metadata`);
  const dataBytes = info.end - info.start;
  const indexBytes = head.size - dataBytes;
  let index: Uint32Array = new Uint32Array(0);
  if (indexBytes > 0) {
    const obj = await bucket.get(key, { range: { offset: dataBytes, length: indexBytes } });
    if (!obj) return null;
    index = decodeIndex(new Uint8Array(await obj.arrayBuffer()));
  }
  return { ...info, index };
}

/** Pieces read from one segment (JSON: one per message). */
export interface SegmentSlice {
  readonly pieces: Uint8Array[];
  readonly bytes: number;
  /** Stream position after the last byte read. */
  readonly next: number;
}

/**
 * Reads from `pos` (inside the segment) up to about `maxBytes`, not past
 * stream position `limit`. Null when `pos` does not start a message of a JSON
 * segment, or the object vanished.
 */
export async function readSegment(
  bucket: SegmentBucket,
  key: string,
  d: SegmentDescriptor,
  pos: number,
  maxBytes: number,
  json: boolean,
  limit = d.end,
): Promise<SegmentSlice | null> {
  const plan = planRead(d, pos, maxBytes, json, limit);
  return plan ? readPlanned(bucket, key, d, plan) : null;
}

/** Reads a planned range of a segment; null when the object vanished. */
export async function readPlanned(
  bucket: SegmentBucket,
  key: string,
  d: SegmentDescriptor,
  plan: ReadPlan,
): Promise<SegmentSlice | null> {
  if (plan.to <= plan.from) return { pieces: [], bytes: 0, next: d.start + plan.from };
  const obj = await bucket.get(key, { range: { offset: plan.from, length: plan.to - plan.from } });
  if (!obj) return null;
  const data = new Uint8Array(await obj.arrayBuffer());
  if (data.length !== plan.to - plan.from) throw new Error(`short read of segment ${key}`);
  return { pieces: piecesOf(plan, data), bytes: data.length, next: d.start + plan.to };
}

/** Reads a stream's head object; null when there is none (or it is unreadable). */
export async function loadHead(bucket: SegmentBucket, key: string): Promise<SegmentHead | null> {
  const obj = await bucket.get(key);
  if (!obj) return null;
  return parseHead(await obj.text()) ?? null;
}
