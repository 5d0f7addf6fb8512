/**
 * Live reads at the edge. A reader at the tail waits on its isolate's feed
 * for the stream; data comes from the feed's memory when it can, otherwise
 * from one collapsed catch-up read. Each waiting reader keeps its own request
 * alive with its own timer.
 */
import type { ReadOk, ReadRequest } from "../do/rpc-types.js";
import type { Result } from "../protocol/errors.js";
import { concatMessageLists } from "../protocol/json.js";
import { isJsonType } from "../protocol/parse.js";
import { formatOffset, parseOffset, type OffsetQuery } from "../protocol/offset.js";
import { collapsedRead, type EdgeReader, type PieceReader, type Reader } from "./collapse.js";
import { Feed, type FeedOpener } from "./feed.js";
import { metrics } from "./metrics.js";
import { heldReaders } from "./held-readers.js";
import { awaitShared, LATE } from "./shared-wait.js";

/** What a live reader needs from a StreamDO stub. */
export type LiveStub = Reader & PieceReader & FeedOpener & { touch(): Promise<void> };

/** Live readers refresh a sliding TTL through the feed's stream at most this often per isolate. */
const TOUCH_EVERY_MS = 1_000;
const lastTouch = new Map<string, number>();

const feeds = new Map<string, Promise<Feed | null>>();
/** Feeds opened by each request: the request lets them linger (then close) when it is done. */
const owned = new WeakMap<object, Set<Feed>>();

/** Call when a request that may have opened feeds has answered (or its stream ended). */
export function releaseOwnedFeeds(ctx: ExecutionContextLike): void {
  for (const feed of owned.get(ctx) ?? []) feed.ownerDone();
  owned.delete(ctx);
}

/** A stream being read live, and the request reading it. */
export interface LiveTarget {
  readonly key: string;
  readonly stub: LiveStub;
  readonly ctx: ExecutionContextLike;
  /** Serves sealed history at the edge (cold/edge-reader.ts). */
  readonly edge?: EdgeReader;
}

/** Settings of live reads. */
export interface LiveOptions {
  readonly maxReadBytes: number;
  readonly feedLingerMs: number;
}

/**
 * The isolate's open feed for the stream, opened in the calling request when
 * there is none. A feed another request is still opening is waited for with
 * a timer of this request's (live/shared-wait.ts); past it, the reader goes
 * without the feed (it reads from the object).
 */
export async function ensureFeed(t: LiveTarget, lingerMs: number): Promise<Feed | null> {
  const { key, stub, ctx } = t;
  const existing = feeds.get(key);
  if (existing) {
    const feed = await awaitShared(existing);
    if (feed === LATE) return null;
    if (feed && feed.state === "open") return feed;
    if (feeds.get(key) !== existing) return ensureFeed(t, lingerMs);
  }
  const opening = Feed.open(stub, ctx, lingerMs, () => heldReaders(key)).catch(() => null);
  feeds.set(key, opening);
  const feed = await opening;
  if (feed) {
    void feed.lifetime.then(() => feeds.get(key) === opening && feeds.delete(key));
    const mine = owned.get(ctx) ?? new Set<Feed>();
    mine.add(feed);
    owned.set(ctx, mine);
  } else if (feeds.get(key) === opening) feeds.delete(key);
  return feed;
}

/** The part of the ExecutionContext a feed owner needs. */
export interface ExecutionContextLike {
  waitUntil(p: Promise<unknown>): void;
}

/**
 * Answers a live read right away, without waiting: from the feed's memory
 * when it has the data, an empty up-to-date result at the tail, otherwise one
 * collapsed catch-up read. `touch` refreshes a sliding TTL (throttled).
 */
export async function readNow(
  t: LiveTarget,
  offset: OffsetQuery,
  touch: boolean,
  opts: LiveOptions,
): Promise<Result<ReadOk>> {
  const feed = await ensureFeed(t, opts.feedLingerMs);
  if (!feed?.hello) return collapsedRead(t.key, t.stub, { offset, touch }, t.edge);
  const position = offset.kind === "start" ? 0 : offset.kind === "now" ? feed.tail : offset.offset.position;
  if (touch && feed.hello.ttlSeconds !== null) touchThrottled(t);
  const hit = fromFeed(feed, position, opts.maxReadBytes);
  if (hit === "behind") return read(t, position, offset.kind === "at" ? offset.offset.segment : 0);
  if (hit === "wait") return toResult(feed, position, new Uint8Array(0), 0, offsetOf(feed, position));
  metrics.feedHits += 1;
  return hit;
}

function touchThrottled(t: LiveTarget): void {
  const now = Date.now();
  if (now - (lastTouch.get(t.key) ?? 0) < TOUCH_EVERY_MS) return;
  lastTouch.set(t.key, now);
  if (lastTouch.size > 10_000) lastTouch.clear();
  metrics.doOther += 1;
  t.ctx.waitUntil(t.stub.touch().catch(() => undefined));
}

/** Outcome of waiting: data (or EOF) as a read result, a failure, or null at the deadline. */
export type LiveResult = Result<ReadOk> | null;

/**
 * Waits until the stream has data at `position` (or is closed there), up to
 * `deadline`. Returns null when the deadline passes first.
 */
export async function waitForData(
  t: LiveTarget,
  position: number,
  deadline: number,
  opts: LiveOptions,
  kind: "longPoll" | "sse",
): Promise<LiveResult> {
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return null;
    const feed = await ensureFeed(t, opts.feedLingerMs);
    if (!feed) {
      // No feed (the stream is gone, or the feed could not open): a read says
      // which; without data, poll again shortly rather than spin.
      const r = await read(t, position);
      if (!r.ok || r.count > 0 || r.eof) return r;
      await new Promise((ok) => setTimeout(ok, Math.min(1_000, remaining)));
      continue;
    }
    const hit = fromFeed(feed, position, opts.maxReadBytes);
    if (hit === "behind") return read(t, position);
    if (hit !== "wait") {
      metrics.feedHits += 1;
      return hit;
    }
    const wait = feed.next();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), remaining)));
    metrics.readersWaiting += 1;
    if (kind === "longPoll") metrics.longPollsWaiting += 1;
    const ev = await Promise.race([wait.event, timeout]);
    metrics.readersWaiting -= 1;
    if (kind === "longPoll") metrics.longPollsWaiting -= 1;
    clearTimeout(timer);
    wait.cancel();
    if (ev === "timeout") return null;
    if (ev.kind === "closed") {
      // A hand-off: the feed's owner left (or the stream is gone). Catch up from
      // our own offset, then wait on a feed opened in this request.
      const r = await read(t, position);
      if (!r.ok || r.count > 0 || r.eof || !r.upToDate) return r;
    }
  }
}

function read(t: LiveTarget, position: number, segment = 0): Promise<Result<ReadOk>> {
  const req: ReadRequest = {
    offset: { kind: "at", offset: { segment, position } },
    touch: false,
  };
  return collapsedRead(t.key, t.stub, req, t.edge);
}

/**
 * Serves `position` from the feed's memory: a result, "wait" when the reader
 * is at the tail, or "behind" when the data exists but is not in memory.
 */
export function fromFeed(feed: Feed, position: number, maxBytes: number): Result<ReadOk> | "wait" | "behind" {
  const hello = feed.hello;
  if (!hello || position > feed.tail) return "behind";
  if (position === feed.tail) {
    return feed.closed ? toResult(feed, position, new Uint8Array(0), 0, offsetOf(feed, position)) : "wait";
  }
  const json = isJsonType(hello.contentType);
  const first = feed.recent.findIndex((b) => b.header.start <= position && position < b.header.end);
  const b0 = feed.recent[first];
  if (!b0 || !b0.header.inline || (json && b0.header.start !== position)) return "behind";
  let data: Uint8Array = new Uint8Array(0);
  let count = 0;
  let end = position;
  let next = b0.header.nextOffset;
  for (let i = first; i < feed.recent.length; i++) {
    const b = feed.recent[i]!;
    if (i > first && (b.header.start !== end || !b.header.inline || data.length + b.payload.length > maxBytes)) break;
    const piece = i === first && !json ? b.payload.subarray(position - b.header.start) : b.payload;
    data = json ? concatMessageLists(data, piece) : concatBytes(data, piece);
    count += b.header.count;
    end = b.header.end;
    next = b.header.nextOffset;
  }
  return toResult(feed, position, data, count, next, end);
}

function toResult(
  feed: Feed,
  position: number,
  data: Uint8Array,
  count: number,
  next: string,
  end = position,
): Result<ReadOk> {
  const hello = feed.hello!;
  const atTail = end >= feed.tail;
  return {
    ok: true,
    info: {
      instance: hello.instance,
      contentType: hello.contentType,
      nextOffset: offsetOf(feed, feed.tail),
      closed: feed.closed,
      ttlSeconds: null,
      expiresAtMs: null,
    },
    startOffset: offsetOf(feed, position),
    data,
    count,
    nextOffset: next,
    upToDate: atTail,
    eof: feed.closed && atTail,
  };
}

/** The offset token of a position, in the segment the feed last reported. */
function offsetOf(feed: Feed, position: number): string {
  const last = feed.recent[feed.recent.length - 1]?.header.nextOffset ?? feed.hello!.nextOffset;
  const segment = parseOffset(last)?.segment ?? 0;
  return formatOffset({ segment, position });
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
