/**
 * Sealing the hot log into R2 segments. Each seal covers whole appends from
 * the end of the last segment until just past a threshold (so a segment is
 * at most the threshold plus one append, and a backlog left by an R2 outage
 * is sealed one threshold-sized segment at a time, each uploaded through one
 * part-sized buffer), and goes through four steps; a crash after any of them is resumed
 * by finishing the pending segment, so nothing is lost, duplicated or
 * orphaned:
 *
 *   1. prepare  — record the segment row as pending (SQLite)
 *   2. upload   — write the segment object (deterministic key, same bytes on retry)
 *   3. head     — write the stream's head, so the edge can find the segment
 *   4. commit   — mark the row sealed and delete its hot rows (one transaction)
 */
import { headKey, infoToMetadata, segmentKey, type SegmentHead } from "../cold/segment-format.js";
import { isJsonType } from "../protocol/parse.js";
import type { StreamHost } from "./host.js";
import type { StreamMeta } from "./meta.js";
import { SealBuffer, uploadSegment } from "./seal-upload.js";
import { baseSegment, ownStart, type SegmentRow } from "./segment-index.js";

/** Steps after which a fault test can interrupt a seal. */
export const ROTATION_STEPS = ["prepared", "uploaded", "headed"] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** How a rotation runs. */
export interface RotationOptions {
  /** Seal whatever the hot log holds, even below the thresholds (test-only). */
  readonly force?: boolean;
  /** Called after each step; a fault test crashes the object there. */
  readonly after?: (step: RotationStep) => Promise<void> | void;
  /** Test-only: called before each upload; throwing makes it fail as if R2 were down. */
  readonly beforeUpload?: () => void;
}

/** Thresholds that trigger a seal. */
export interface RotationLimits {
  readonly maxBytes: number;
  readonly maxMessages: number;
}

/** True when the hot log has passed a threshold (cheap: call after every append). */
export function needsRotation(hotBytes: number, hotMessages: number, limits: RotationLimits): boolean {
  return hotBytes > 0 && (hotBytes >= limits.maxBytes || hotMessages >= limits.maxMessages);
}

/**
 * Finishes any interrupted seal, then seals while the hot log is over a
 * threshold. Returns the number of segments sealed.
 */
export async function rotate(host: StreamHost, limits: RotationLimits, opts: RotationOptions = {}): Promise<number> {
  let sealed = 0;
  const buffers = new SealBuffer();
  for (;;) {
    const m = host.meta();
    if (!m) return sealed;
    const pending = host.segments.pending()[0];
    const seg = pending ?? plan(host, m, limits, opts.force === true && sealed === 0);
    if (!seg) return sealed;
    if (!pending) {
      host.transaction(() => host.segments.addPending(seg));
      await opts.after?.("prepared");
    }
    opts.beforeUpload?.();
    await upload(host, m, seg, buffers);
    await opts.after?.("uploaded");
    // A soft-deleted stream (410) keeps its segments for its forks but no head:
    // the edge must not serve it.
    if (m.state === "live") await writeHead(host, m, seg.seq + 1);
    await opts.after?.("headed");
    // The stream may have been deleted or expired while R2 was awaited; its
    // purge removes what was uploaded.
    const now = host.meta();
    if (!now || now.instance !== m.instance) return sealed;
    host.transaction(() => {
      host.segments.markSealed(seg.seq);
      host.store.deleteRange(seg.start, seg.end);
      // Data after this segment stays hot: its offsets name the next segment,
      // so they sort after every offset inside this one.
      if (seg.end < now.tail && now.segment <= seg.seq) {
        now.segment = seg.seq + 1;
        host.saveMeta(now);
      }
    });
    host.sealedHot();
    sealed += 1;
  }
}

/**
 * The next segment to seal, when the hot log is over a threshold (or `force`):
 * whole appends from the end of the last segment up to the first append that
 * starts at or past a threshold, else up to the tail.
 */
function plan(host: StreamHost, m: StreamMeta, limits: RotationLimits, force: boolean): SegmentRow | null {
  const last = host.segments.last();
  const start = last?.end ?? ownStart(m);
  const tail = m.tail;
  if (tail <= start) return null;
  const { store } = host;
  const bytesCut = store.batchStartIn(start + Math.max(1, limits.maxBytes), tail) ?? tail;
  const nth = store.messageStartAt(start, bytesCut, limits.maxMessages);
  const end = nth === undefined ? bytesCut : (store.batchStartIn(Math.max(nth, start + 1), bytesCut) ?? bytesCut);
  const messages = store.countMessages(start, end);
  if (!force && !needsRotation(tail - start, store.countMessages(start, tail), limits)) return null;
  const seq = m.segment;
  if ((last && last.seq >= seq) || seq < baseSegment(m)) {
    throw new Error(`segment numbering is inconsistent (next ${seq}, last ${last?.seq})`);
  }
  return { seq, start, end, messages, sealed: false };
}

/** Uploads the segment from its hot rows, one part-sized buffer at a time (do/seal-upload.ts). */
async function upload(host: StreamHost, m: StreamMeta, seg: SegmentRow, buffers: SealBuffer): Promise<void> {
  const target = {
    key: segmentKey(host.doId, m.instance, seg.seq),
    start: seg.start,
    end: seg.end,
    messages: seg.messages,
    options: {
      customMetadata: infoToMetadata({ ...seg, instance: m.instance, segment: seg.seq }),
      httpMetadata: { contentType: isJsonType(m.contentType) ? "application/json" : "application/octet-stream" },
    },
  };
  await uploadSegment(host.requireBucket(), target, host.store.rowsPaged(seg.start, seg.end), buffers);
}

/** Writes the stream's head: its sealed segments and retained start, for the edge. */
export async function writeHead(host: StreamHost, m: StreamMeta, sealed: number): Promise<void> {
  const head: SegmentHead = {
    v: 1,
    instance: m.instance,
    contentType: m.contentType,
    base: baseSegment(m),
    ownStart: ownStart(m),
    sealed,
    start: host.retention.start(m.instance),
    ttlSeconds: m.ttlSeconds,
    expiresAtMs: m.expiresAtMs,
  };
  await host.requireBucket().put(headKey(host.doId), JSON.stringify(head), {
    httpMetadata: { contentType: "application/json" },
  });
}
