/**
 * Request body → log rows, for appends and initial bodies. The body is copied
 * once, as it arrives, into row-sized blocks (ROW_MAX_BYTES, under the 2 MB
 * SQLite value limit) — the copy that is stored — and a JSON body is
 * validated and split on the way in (protocol/json-scan.ts), so no whole-body
 * buffer, decoded string, parse tree or per-element copy is ever made.
 * Messages are views of the blocks; one that spans blocks is stored as several
 * rows and is only joined when a live feed or a fan-out needs its bytes.
 */
import { failure, type Failure } from "../protocol/errors.js";
import { JsonScanner } from "../protocol/json-scan.js";
import { emptyArrayCheck } from "../protocol/json.js";
import type { AppendedBatch } from "./host.js";
import type { BodyInput } from "./rpc-types.js";
import { ROW_MAX_BYTES } from "./schema.js";
import { concat } from "./store.js";

/** Limits on one body. */
export interface BodyLimits {
  readonly maxBytes: number;
  /** JSON messages per body (MAX_APPEND_MESSAGES). */
  readonly maxMessages: number;
}

const FIRST_BLOCK = 16 * 1024;

/**
 * One large body at a time per object: a body is read freely up to
 * ROW_MAX_BYTES, then waits here, so an object holds at most one body of
 * up to MAX_APPEND_BYTES plus small ones (the per-object budget).
 */
export class BodyGate {
  private tail: Promise<void> = Promise.resolve();

  /** Waits for the large-body slot; call the returned function to free it. */
  async enter(): Promise<() => void> {
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const before = this.tail;
    this.tail = before.then(() => mine);
    await before;
    return release;
  }
}

/** A received body: its size, and its messages as pieces of at most ROW_MAX_BYTES each. */
export class ReceivedBody {
  constructor(
    private readonly blocks: Blocks,
    /** Each message's pieces, in order (views of the received blocks). */
    readonly messages: readonly (readonly Uint8Array[])[],
    /** A JSON body that did not validate: returned where the append checks the body. */
    readonly invalid: Failure | null,
  ) {}

  get size(): number {
    return this.blocks.size;
  }

  /** Bytes of all messages. */
  get bytes(): number {
    let n = 0;
    for (const m of this.messages) for (const p of m) n += p.length;
    return n;
  }

  /** Each message as one byte array (joined only when it spans blocks): for feeds and fan-out. */
  messageBytes(): Uint8Array[] {
    return this.messages.map(concat);
  }

  /** The same body split as JSON afterwards (a fork whose content type was known only later). */
  asJson(limits: BodyLimits, allowEmptyArray: boolean): ReceivedBody {
    if (this.size === 0) return this;
    const scan = new JsonScanner(limits.maxMessages);
    let invalid: Failure | null = null;
    for (const piece of this.blocks.pieces(0, this.size)) if (!invalid) invalid = scan.push(piece);
    return split(this.blocks, scan, invalid, allowEmptyArray);
  }
}

/** The batch a received body appends, as feeds and fan-out see it. */
export function batchOf(body: ReceivedBody): AppendedBatch {
  return { count: body.messages.length, bytes: body.bytes, messages: () => body.messageBytes() };
}

/**
 * Reads a body up to `limits.maxBytes` (413 beyond it). With `json`, the
 * body is validated and split while it arrives; once it fails, the rest is
 * read and dropped, and it comes back with `invalid` set (400, or 413 over
 * maxMessages).
 */
export async function receiveBody(
  body: BodyInput,
  limits: BodyLimits,
  json: boolean,
  allowEmptyArray: boolean,
  gate: BodyGate,
): Promise<ReceivedBody | Failure> {
  let release: (() => void) | null = null;
  try {
    return await receive(body, limits, json, allowEmptyArray, async () => (release ??= await gate.enter()));
  } finally {
    (release as (() => void) | null)?.();
  }
}

async function receive(
  body: BodyInput,
  limits: BodyLimits,
  json: boolean,
  allowEmptyArray: boolean,
  large: () => Promise<unknown>,
): Promise<ReceivedBody | Failure> {
  const blocks = new Blocks();
  if (body === null) return new ReceivedBody(blocks, [], null);
  const scan = json ? new JsonScanner(limits.maxMessages) : null;
  let invalid: Failure | null = null;
  let received = 0;
  const reader = readerOf(body, blocks);
  for (;;) {
    if (blocks.size >= ROW_MAX_BYTES && !invalid) await large();
    const value = await reader.read(invalid !== null);
    if (value === null) break;
    received += value.byteLength;
    if (received > limits.maxBytes) {
      await reader.cancel();
      return failure(
        413,
        "payload_too_large",
        `Body exceeds the ${limits.maxBytes}-byte limit per request (MAX_APPEND_BYTES); split it into smaller appends`,
      );
    }
    // Drained, not kept: the client gets its 4xx after sending the whole body, as before.
    if (invalid) continue;
    invalid = scan?.push(value) ?? null;
    reader.keep(value);
  }
  if (blocks.size === 0) return new ReceivedBody(blocks, [], null);
  if (!scan) return new ReceivedBody(blocks, [blocks.pieces(0, blocks.size)], null);
  return split(blocks, scan, invalid, allowEmptyArray);
}

/**
 * Reads a body into `blocks`. A byte stream (a request body, a stream over
 * RPC) is read with a BYOB reader straight into the current block, so no
 * chunk is allocated per read (each was garbage once copied: about one more
 * body's worth of memory until it was collected); any other stream, or bytes
 * sent inside the call, is read by chunk and copied.
 */
interface BodyReader {
  /** The next bytes (`drop`: into a scratch buffer, not kept), or null at the end. */
  read(drop: boolean): Promise<Uint8Array | null>;
  /** Keeps bytes `read` returned (a no-op when they were read into the block). */
  keep(bytes: Uint8Array): void;
  cancel(): Promise<void>;
}

function readerOf(body: Uint8Array | ReadableStream<Uint8Array>, blocks: Blocks): BodyReader {
  if (body instanceof Uint8Array) {
    let done = body.length === 0;
    return {
      read: async () => (done ? null : ((done = true), body)),
      keep: (b) => blocks.add(b),
      cancel: async () => {},
    };
  }
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    // not a byte stream
  }
  if (byob === null) {
    const reader = body.getReader();
    return {
      async read() {
        const { done, value } = await reader.read();
        return done ? null : value;
      },
      keep: (b) => blocks.add(b),
      cancel: () => reader.cancel().catch(() => {}),
    };
  }
  const reader = byob;
  let scratch = new Uint8Array(64 * 1024);
  return {
    async read(drop) {
      const { done, value } = await reader.read(drop ? scratch : blocks.room());
      // The view's buffer is transferred by the read and comes back in `value`, also at the end.
      if (value !== undefined) {
        if (drop) scratch = new Uint8Array(value.buffer as ArrayBuffer);
        else blocks.adopt(value);
      }
      return done ? null : value!;
    },
    keep: () => {},
    cancel: () => reader.cancel().catch(() => {}),
  };
}

function split(blocks: Blocks, scan: JsonScanner, invalid: Failure | null, allowEmptyArray: boolean): ReceivedBody {
  const bad = invalid ?? scan.finish() ?? emptyArrayCheck(scan, allowEmptyArray);
  if (bad) return new ReceivedBody(blocks, [], bad);
  const messages: Uint8Array[][] = [];
  for (let i = 0; i < scan.bounds.length; i += 2) messages.push(blocks.pieces(scan.bounds[i]!, scan.bounds[i + 1]!));
  return new ReceivedBody(blocks, messages, null);
}

/** The body in blocks of ROW_MAX_BYTES (the last one shorter); small bodies stay small. */
class Blocks {
  private readonly full: Uint8Array[] = [];
  private cur = new Uint8Array(0);
  private curLen = 0;
  size = 0;

  /** The free end of the current block, for a BYOB read (grown first when full). */
  room(): Uint8Array {
    if (this.curLen === this.cur.length) this.grow(0);
    return new Uint8Array(this.cur.buffer, this.cur.byteOffset + this.curLen, this.cur.length - this.curLen);
  }

  /** After a BYOB read into `room()`: the block's buffer, transferred back, with `read.length` more bytes. */
  adopt(read: Uint8Array): void {
    // The old view is detached now; a block always spans its whole buffer (grow).
    this.cur = new Uint8Array(read.buffer as ArrayBuffer);
    this.curLen += read.length;
    this.size += read.length;
    if (this.curLen === ROW_MAX_BYTES) {
      this.full.push(this.cur);
      this.cur = new Uint8Array(0);
      this.curLen = 0;
    }
  }

  add(chunk: Uint8Array): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.curLen === this.cur.length) this.grow(chunk.length - off);
      const n = Math.min(this.cur.length - this.curLen, chunk.length - off);
      this.cur.set(chunk.subarray(off, off + n), this.curLen);
      this.curLen += n;
      off += n;
      this.size += n;
      if (this.curLen === ROW_MAX_BYTES) {
        this.full.push(this.cur);
        this.cur = new Uint8Array(0);
        this.curLen = 0;
      }
    }
  }

  /**
   * Room for more: the first block doubles up to ROW_MAX_BYTES (so a small body
   * costs little); once one block is full the body is large, and every later
   * block is allocated whole: growing each by doubling left about one block of
   * garbage per block (+30 MiB of RSS for a 32 MiB append).
   */
  private grow(want: number): void {
    const doubled = Math.max(FIRST_BLOCK, this.cur.length * 2, this.curLen + want);
    const size = this.full.length > 0 ? ROW_MAX_BYTES : Math.min(ROW_MAX_BYTES, doubled);
    const next = new Uint8Array(size);
    next.set(this.cur.subarray(0, this.curLen));
    this.cur = next;
  }

  /** Views of [start, end), cut at block boundaries. */
  pieces(start: number, end: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let at = start; at < end;) {
      const k = Math.floor(at / ROW_MAX_BYTES);
      const block = k < this.full.length ? this.full[k]! : this.cur.subarray(0, this.curLen);
      const from = at - k * ROW_MAX_BYTES;
      const to = Math.min(block.length, from + (end - at));
      out.push(block.subarray(from, to));
      at += to - from;
    }
    return out;
  }
}
