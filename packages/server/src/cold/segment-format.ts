/**
 * Sealed segments in R2: object keys, the object layout and the per-stream
 * head. Pure, so the StreamDO (which writes and reads segments) and the edge
 * (which reads them without asking the StreamDO) share one definition.
 *
 * Keys: `streams/{doId}/head` and `streams/{doId}/{instance}/{segment:016d}`.
 * The Durable Object id is derived from the stream's name, so the edge knows
 * it; the instance (new on every create) keeps a recreated stream from ever
 * addressing an earlier instance's segments.
 *
 * Object body: the segment's bytes, then an index of u32 little-endian
 * entries, one per message start (relative position; the top bit marks an
 * append-batch start). Byte streams index one message per append.
 */

/** Index entry bit: the message also starts an append batch. */
export const INDEX_BATCH_BIT = 0x8000_0000;
const REL_MASK = 0x7fff_ffff;

/** What a segment object's customMetadata records (R2 stores strings). */
export interface SegmentInfo {
  readonly instance: string;
  readonly segment: number;
  /** Stream position of the first byte. */
  readonly start: number;
  /** Stream position after the last byte. */
  readonly end: number;
  /** Messages (JSON) or appends (bytes) in the segment. */
  readonly messages: number;
}

/** A segment's layout, as needed to read it. */
export interface SegmentDescriptor extends SegmentInfo {
  /** Relative message starts (with INDEX_BATCH_BIT), ascending. */
  readonly index: Uint32Array;
}

/**
 * The head: which instance lives at a stream name and which of its segments
 * are sealed. Written by the StreamDO after each segment object, deleted
 * first when the stream goes away.
 */
export interface SegmentHead {
  readonly v: 1;
  readonly instance: string;
  readonly contentType: string;
  /** The stream's first segment number (0, or a fork's inherited number). */
  readonly base: number;
  /** Where the stream's own data starts (0, or a fork's fork position). */
  readonly ownStart: number;
  /** Segments `base` .. `sealed - 1` are in R2. */
  readonly sealed: number;
  /** The retained start (do/trim.ts): the edge leaves reads before it to the StreamDO (410). */
  readonly start?: number;
  readonly ttlSeconds: number | null;
  readonly expiresAtMs: number | null;
}

/** The R2 prefix of everything stored for one stream name. */
export function streamPrefix(doId: string): string {
  return `streams/${doId}/`;
}

/** The head object's key. */
export function headKey(doId: string): string {
  return `${streamPrefix(doId)}head`;
}

/** The prefix of one instance's segment objects. */
export function instancePrefix(doId: string, instance: string): string {
  return `${streamPrefix(doId)}${instance}/`;
}

/** One segment object's key. */
export function segmentKey(doId: string, instance: string, segment: number): string {
  return `${instancePrefix(doId, instance)}${String(segment).padStart(16, "0")}`;
}

/** A log row as the hot log stores it. */
export interface LogRow {
  readonly pos: number;
  readonly data: Uint8Array;
  /** MSG_START = 1, BATCH_START = 2 (do/schema.ts). */
  readonly flags: number;
}

/**
 * Writes a segment object body row by row, for a streamed upload: each row's
 * bytes as they are, then the index. Throws when the rows do not cover
 * [start, end) exactly or hold a different number of message starts.
 */
export class SegmentWriter {
  private at: number;
  private count = 0;
  private readonly index: Uint8Array;
  private readonly view: DataView;

  constructor(
    readonly start: number,
    readonly end: number,
    readonly messages: number,
  ) {
    this.at = start;
    this.index = new Uint8Array(4 * messages);
    this.view = new DataView(this.index.buffer);
  }

  /** Bytes of the whole object (data, then 4 bytes per message). */
  get size(): number {
    return this.end - this.start + 4 * this.messages;
  }

  /** The next row: returns the bytes to write for it. */
  row(r: LogRow): Uint8Array {
    const { start, end } = this;
    if (r.pos !== this.at || this.at + r.data.length > end) throw new Error(`hot rows do not cover [${start}, ${end})`);
    this.at += r.data.length;
    if ((r.flags & 1) !== 0) {
      if (this.count >= this.messages) throw new Error(`more than ${this.messages} messages in [${start}, ${end})`);
      const rel = r.pos - start;
      this.view.setUint32(4 * this.count++, ((r.flags & 2) !== 0 ? INDEX_BATCH_BIT | rel : rel) >>> 0, true);
    }
    return r.data;
  }

  /** After the last row: the index bytes that end the object. */
  finish(): Uint8Array {
    if (this.at !== this.end || this.count !== this.messages) {
      throw new Error(`hot rows do not cover [${this.start}, ${this.end})`);
    }
    return this.index;
  }
}

/**
 * Builds a whole segment object body from contiguous hot-log rows covering
 * [start, end) that hold `messages` message starts (tests; seals stream it).
 */
export function encodeSegment(rows: Iterable<LogRow>, start: number, end: number, messages: number): Uint8Array {
  const w = new SegmentWriter(start, end, messages);
  const out = new Uint8Array(w.size);
  for (const r of rows) out.set(w.row(r), r.pos - start);
  out.set(w.finish(), end - start);
  return out;
}

/** customMetadata for a segment object. */
export function infoToMetadata(info: SegmentInfo): Record<string, string> {
  return {
    instance: info.instance,
    segment: String(info.segment),
    start: String(info.start),
    end: String(info.end),
    messages: String(info.messages),
  };
}

/** Reads customMetadata back; undefined when it is not a segment's. */
export function infoFromMetadata(md: Record<string, string> | undefined): SegmentInfo | undefined {
  if (!md || typeof md.instance !== "string") return undefined;
  const nums = [md.segment, md.start, md.end, md.messages].map(Number);
  if (nums.some((n) => !Number.isSafeInteger(n) || n < 0)) return undefined;
  const [segment, start, end, messages] = nums as [number, number, number, number];
  if (end < start) return undefined;
  return { instance: md.instance, segment, start, end, messages };
}

/** Decodes the index bytes that follow the data. */
export function decodeIndex(bytes: Uint8Array): Uint32Array {
  const n = Math.floor(bytes.length / 4);
  const out = new Uint32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) out[i] = view.getUint32(4 * i, true);
  return out;
}

/** Relative position of index entry `i`. */
export function relOf(index: Uint32Array, i: number): number {
  return index[i]! & REL_MASK;
}

/** The index entry at relative position `rel`, or -1 when no message starts there. */
export function findMessage(index: Uint32Array, rel: number): number {
  let lo = 0;
  let hi = index.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = relOf(index, mid);
    if (r === rel) return mid;
    if (r < rel) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** What to read from one segment: a byte range and the message starts inside it. */
export interface ReadPlan {
  /** Relative range [from, to) of the segment's data. */
  readonly from: number;
  readonly to: number;
  /** JSON: relative starts of the messages in the range (each message a piece). */
  readonly messageStarts: number[] | null;
}

/**
 * Plans a read at stream position `pos` of at most about `maxBytes`, not past
 * stream position `limit` (JSON returns whole messages, at least one). Null
 * when `pos` is not a message start of a JSON segment.
 */
export function planRead(
  d: SegmentDescriptor,
  pos: number,
  maxBytes: number,
  json: boolean,
  limit = d.end,
): ReadPlan | null {
  const from = pos - d.start;
  const size = Math.min(d.end, limit) - d.start;
  if (!json) return { from, to: Math.min(size, from + Math.max(1, maxBytes)), messageStarts: null };
  const i = findMessage(d.index, from);
  if (i < 0) return null;
  const starts = [from];
  let to = size;
  for (let j = i + 1; j < d.index.length; j++) {
    const rel = relOf(d.index, j);
    if (rel >= size) break;
    // A message larger than a read is only ever read first, alone (in pieces, do/read-piece.ts).
    const end = j + 1 < d.index.length ? Math.min(size, relOf(d.index, j + 1)) : size;
    if (rel - from >= maxBytes || end - rel > maxBytes) {
      to = rel;
      break;
    }
    starts.push(rel);
  }
  return { from, to, messageStarts: starts };
}

/**
 * Resolves a fork sub-offset inside a segment: the position `sub` bytes (or
 * JSON messages) past `pos`, not crossing the end of the append batch at
 * `pos`. A string explains why it is invalid.
 */
export function locateInSegment(
  d: SegmentDescriptor,
  pos: number,
  sub: number,
  limit: number,
  json: boolean,
): number | string {
  const rel = pos - d.start;
  const bound = Math.min(d.end, limit) - d.start;
  let batchEnd = bound;
  let first = -1;
  for (let j = 0; j < d.index.length; j++) {
    const r = relOf(d.index, j);
    if (r > rel && r < bound && (d.index[j]! & INDEX_BATCH_BIT) !== 0) {
      batchEnd = r;
      break;
    }
    if (r >= rel && first < 0) first = j;
  }
  if (!json) return rel + sub > batchEnd ? "bytes" : pos + sub;
  const starts: number[] = [];
  for (let j = Math.max(first, 0); first >= 0 && j < d.index.length && starts.length <= sub; j++) {
    const r = relOf(d.index, j);
    if (r >= batchEnd) break;
    starts.push(r);
  }
  if (starts.length < sub) return "messages";
  return d.start + (starts[sub] ?? batchEnd);
}

/** Splits the bytes of a planned read into pieces (one per JSON message; one for bytes). */
export function piecesOf(plan: ReadPlan, data: Uint8Array): Uint8Array[] {
  if (!plan.messageStarts) return data.length > 0 ? [data] : [];
  return plan.messageStarts.map((s, k) => {
    const e = plan.messageStarts![k + 1] ?? plan.to;
    return data.subarray(s - plan.from, e - plan.from);
  });
}

/** Parses a head object's JSON; undefined when it is not a valid head. */
export function parseHead(text: string): SegmentHead | undefined {
  try {
    const h = JSON.parse(text) as Partial<SegmentHead>;
    const ints = [h.base, h.ownStart, h.sealed];
    if (h.v !== 1 || typeof h.instance !== "string" || typeof h.contentType !== "string") return undefined;
    if (ints.some((n) => !Number.isSafeInteger(n) || (n as number) < 0)) return undefined;
    return h as SegmentHead;
  } catch {
    return undefined;
  }
}
