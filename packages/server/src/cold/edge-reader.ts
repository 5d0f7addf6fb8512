/**
 * Catch-up reads of sealed history at the edge, without a StreamDO request.
 * The offset's segment number names the segment; the stream's head (R2,
 * trusted per isolate for SEGMENT_HEAD_CACHE_MS) says which instance lives
 * at the name and which of its segments are sealed; the data comes from the
 * Workers Cache API (immutable: keyed by instance, segment and position) or
 * from R2. Only full chunks are served here; anything the edge cannot answer
 * for certain — no head, an offset outside the sealed segments, a JSON offset
 * inside a message, a chunk that would reach past the newest sealed segment
 * (or end exactly at its end, which may be the tail) — returns null and the
 * StreamDO answers the whole read.
 */
import type { ReadOk, ReadRequest } from "../do/rpc-types.js";
import type { Ok } from "../protocol/errors.js";
import { joinMessages } from "../protocol/json.js";
import { formatOffset } from "../protocol/offset.js";
import { isJsonType } from "../protocol/parse.js";
import { concat } from "../do/store.js";
import { metrics } from "../live/metrics.js";
import { headKey, planRead, segmentKey, type SegmentHead } from "./segment-format.js";
import { loadDescriptor, loadHead, readPlanned, type SegmentBucket } from "./segment-reader.js";
import { awaitShared, LATE } from "../live/shared-wait.js";

/** A stream whose sealed history the edge may serve. */
export interface ColdTarget {
  readonly key: string;
  /** The StreamDO's id (names the stream's R2 objects). */
  readonly doId: string;
  readonly bucket: SegmentBucket;
  readonly maxReadBytes: number;
  readonly headCacheMs: number;
  readonly waitUntil: (p: Promise<unknown>) => void;
  /** Refreshes a sliding TTL on the StreamDO. */
  readonly touch: () => Promise<void>;
}

const HEADS_MAX = 1_000;
const heads = new Map<string, { until: number; head: Promise<SegmentHead | null> }>();
const TOUCH_EVERY_MS = 1_000;
const lastTouch = new Map<string, number>();
const IMMUTABLE = "public, max-age=31536000, immutable";

/** Serves a catch-up read from sealed segments, or null when the StreamDO must answer. */
export async function readSealed(t: ColdTarget, req: ReadRequest): Promise<Ok<ReadOk> | null> {
  if (req.offset.kind === "now") return null;
  const head = await headOf(t);
  if (!head || (head.expiresAtMs !== null && Date.now() >= head.expiresAtMs)) return null;
  const at =
    req.offset.kind === "start"
      ? head.ownStart === 0 && !head.start
        ? { segment: head.base, position: 0 }
        : null
      : req.offset.offset;
  if (!at || at.segment < head.base || at.segment >= head.sealed || at.position < (head.start ?? 0)) return null;
  const cacheKey = `https://segments.internal/${t.doId}/${head.instance}/${at.segment}/${at.position}/${t.maxReadBytes}`;
  let r = await cachedChunk(cacheKey, head);
  if (r) metrics.coldCacheHits += 1;
  else {
    r = await readChunk(t, head, at.segment, at.position);
    if (!r) {
      metrics.coldFallbacks += 1;
      return null;
    }
    t.waitUntil(putChunk(cacheKey, r));
  }
  metrics.coldReads += 1;
  if (req.touch && head.ttlSeconds !== null) touchThrottled(t);
  return r;
}

async function headOf(t: ColdTarget): Promise<SegmentHead | null> {
  const now = Date.now();
  const hit = heads.get(t.doId);
  if (hit && hit.until > now) {
    // Possibly another request's load, still in flight (live/shared-wait.ts).
    const head = await awaitShared(hit.head);
    if (head !== LATE) return head;
    if (heads.get(t.doId) === hit) heads.delete(t.doId);
  }
  const head = loadHead(t.bucket, headKey(t.doId)).catch(() => null);
  heads.set(t.doId, { until: now + t.headCacheMs, head });
  if (heads.size > HEADS_MAX) heads.delete(heads.keys().next().value!);
  return head;
}

/** Reads one chunk from R2, stitched across sealed segments. */
async function readChunk(
  t: ColdTarget,
  head: SegmentHead,
  segment: number,
  position: number,
): Promise<Ok<ReadOk> | null> {
  const json = isJsonType(head.contentType);
  const pieces: Uint8Array[] = [];
  let bytes = 0;
  let seg = segment;
  let pos = position;
  let startSeg = -1;
  let endSeg = -1;
  for (;;) {
    const key = segmentKey(t.doId, head.instance, seg);
    const d = await loadDescriptor(t.bucket, key);
    if (!d || pos < d.start || pos > d.end) return null;
    if (startSeg < 0) startSeg = pos === d.start && seg > head.base ? seg - 1 : seg;
    if (pos < d.end) {
      const plan = planRead(d, pos, t.maxReadBytes - bytes, json);
      if (!plan) return null;
      // A message larger than a read goes to the StreamDO, which returns it in pieces.
      if (json && plan.to - plan.from > t.maxReadBytes && plan.messageStarts?.length === 1) return null;
      const slice = await readPlanned(t.bucket, key, d, plan);
      if (!slice) return null;
      pieces.push(...slice.pieces);
      bytes += slice.bytes;
      pos = slice.next;
      endSeg = seg;
      // A full chunk that ends before the end of the newest sealed segment
      // cannot reach the tail: it is history, and the answer is complete.
      if (pos < d.end && (bytes >= t.maxReadBytes || json)) break;
      if (bytes >= t.maxReadBytes && seg < head.sealed - 1) break;
    }
    // Otherwise the chunk needs data past the sealed segments the head lists
    // (or the tail's state): the StreamDO answers it whole.
    if (seg + 1 >= head.sealed) return null;
    seg += 1;
  }
  if (pieces.length === 0) return null;
  return sealedRead(
    head,
    formatOffset({ segment: position <= head.ownStart ? head.base : startSeg, position }),
    formatOffset({ segment: endSeg, position: pos }),
    json ? joinMessages(pieces) : concat(pieces),
    pieces.length,
  );
}

/** A read answered from sealed history: never at the tail, so never up to date or at EOF. */
function sealedRead(
  head: SegmentHead,
  startOffset: string,
  nextOffset: string,
  data: Uint8Array,
  count: number,
): Ok<ReadOk> {
  return {
    ok: true,
    info: {
      instance: head.instance,
      contentType: head.contentType,
      nextOffset,
      closed: false,
      ttlSeconds: head.ttlSeconds,
      expiresAtMs: head.expiresAtMs,
    },
    startOffset,
    data,
    count,
    nextOffset,
    upToDate: false,
    eof: false,
  };
}

async function openCache(): Promise<Cache | null> {
  try {
    return await caches.open("ds-segments");
  } catch {
    return null;
  }
}

async function cachedChunk(key: string, head: SegmentHead): Promise<Ok<ReadOk> | null> {
  const cache = await openCache();
  const hit = cache ? await cache.match(key) : undefined;
  if (!hit) return null;
  const next = hit.headers.get("x-next");
  const start = hit.headers.get("x-start");
  if (!next || !start) return null;
  const data = new Uint8Array(await hit.arrayBuffer());
  return sealedRead(head, start, next, data, Number(hit.headers.get("x-count") ?? "1"));
}

async function putChunk(key: string, r: ReadOk): Promise<void> {
  const cache = await openCache();
  if (!cache) return;
  const headers = new Headers({
    "cache-control": IMMUTABLE,
    "x-next": r.nextOffset,
    "x-start": r.startOffset,
    "x-count": String(r.count),
  });
  await cache.put(key, new Response(r.data, { headers })).catch(() => undefined);
}

function touchThrottled(t: ColdTarget): void {
  const now = Date.now();
  if (now - (lastTouch.get(t.key) ?? 0) < TOUCH_EVERY_MS) return;
  lastTouch.set(t.key, now);
  if (lastTouch.size > 10_000) lastTouch.clear();
  metrics.doOther += 1;
  t.waitUntil(t.touch().catch(() => undefined));
}
