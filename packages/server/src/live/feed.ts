/**
 * One internal WebSocket feed per (edge isolate, stream). It belongs to the
 * request that opened it (Workers I/O objects cannot cross requests), so it
 * only holds plain data — the recent batches — and promise resolvers that
 * readers in other requests wait on. It closes itself before its owner's
 * request context ends; readers still waiting then open a new feed in their
 * own requests and catch up from their own offsets.
 */
import { decodeFrame, CLOSE_STREAM_GONE, type BatchFrame, type HelloFrame } from "./feed-frames.js";
import { metrics } from "./metrics.js";

/** What a waiting reader is woken with. */
export type FeedEvent = { kind: "batch" } | { kind: "closed"; gone: boolean };

/** A batch kept in memory for readers that are slightly behind. */
export interface RecentBatch {
  readonly header: BatchFrame;
  readonly payload: Uint8Array;
}

/** The stub call that opens a feed. */
export interface FeedOpener {
  fetch(url: string, init: RequestInit): Promise<Response>;
}

const RECENT_MAX_BYTES = 1024 * 1024;
/**
 * How often a feed tells its StreamDO how many readers this isolate holds,
 * only when a count changed: each message wakes a hibernating object, so a
 * steady set of readers costs nothing and a churning one at most one wake-up
 * per isolate per interval.
 */
export const READERS_REPORT_MS = 2_000;
const RECENT_MAX_BATCHES = 256;
/**
 * Recent batches of all feeds in this isolate (docs/server.md "Memory
 * budget"): past it, the feed that receives data drops its oldest batches; a
 * reader that needed them reads from the stream instead ("behind").
 */
export const ISOLATE_RECENT_MAX_BYTES = 16 * 1024 * 1024;
let isolateRecentBytes = 0;

/** A live feed from one StreamDO. */
export class Feed {
  hello: HelloFrame | null = null;
  tail = 0;
  closed = false;
  state: "open" | "closed" = "open";
  gone = false;
  readonly recent: RecentBatch[] = [];
  private recentBytes = 0;
  private waiters = new Set<(e: FeedEvent) => void>();
  private endLifetime!: () => void;
  /** Resolves when the feed closes; the owner's request waits on it (waitUntil). */
  readonly lifetime = new Promise<void>((r) => (this.endLifetime = r));
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;
  private reportTimer: ReturnType<typeof setInterval> | undefined;
  private reported = "";

  private constructor(
    private readonly ws: WebSocket,
    private readonly lingerMs: number,
  ) {}

  /**
   * Opens a feed in the calling request; null when the stream does not exist.
   * `lingerMs`: how long it outlives that request (below the 30 s waitUntil cap).
   * `readers`: what this isolate holds of the stream, sent to the object for inspection.
   */
  static async open(
    stub: FeedOpener,
    ctx: { waitUntil(p: Promise<unknown>): void },
    lingerMs: number,
    readers?: () => object,
  ): Promise<Feed | null> {
    metrics.doOther += 1;
    const res = await stub.fetch("https://stream.internal/feed", { headers: { upgrade: "websocket" } });
    const ws = res.webSocket;
    if (res.status !== 101 || !ws) return null;
    // Binary frames as ArrayBuffer (the standard default is Blob, whose bytes arrive asynchronously).
    ws.binaryType = "arraybuffer";
    const feed = new Feed(ws, lingerMs);
    const hello = new Promise<void>((resolve) => {
      ws.addEventListener("message", (ev) => {
        feed.onMessage(ev.data);
        resolve();
      });
      ws.addEventListener("close", (ev) => {
        feed.shutdown(ev.code === CLOSE_STREAM_GONE);
        resolve();
      });
      ws.addEventListener("error", () => {
        feed.shutdown(false);
        resolve();
      });
    });
    ws.accept();
    metrics.feedsOpened += 1;
    ctx.waitUntil(feed.lifetime);
    await hello;
    if (feed.state !== "open") return null;
    if (readers) {
      // Sent from a timer of the owner's request: the socket can only be written from there.
      feed.reportReaders(readers);
      feed.reportTimer = setInterval(() => feed.reportReaders(readers), READERS_REPORT_MS);
    }
    return feed;
  }

  private reportReaders(readers: () => object): void {
    const text = JSON.stringify({ readers: readers() });
    if (text === this.reported || this.state === "closed") return;
    try {
      this.ws.send(text);
      this.reported = text;
    } catch {
      // the socket is closing; the object forgets this feed's count with it
    }
  }

  /** The owner's request has answered: keep the feed only for the linger time. */
  ownerDone(): void {
    if (this.lingerTimer !== undefined || this.state === "closed") return;
    this.lingerTimer = setTimeout(() => this.shutdown(false), this.lingerMs);
  }

  /** Waits for the next batch or for the feed to close; `cancel` withdraws the wait. */
  next(): { event: Promise<FeedEvent>; cancel(): void } {
    if (this.state === "closed") return { event: Promise.resolve({ kind: "closed", gone: this.gone }), cancel() {} };
    let waiter!: (e: FeedEvent) => void;
    const event = new Promise<FeedEvent>((resolve) => (waiter = resolve));
    this.waiters.add(waiter);
    return { event, cancel: () => this.waiters.delete(waiter) };
  }

  private onMessage(data: unknown): void {
    const frame = typeof data === "string" ? undefined : decodeFrame(data as ArrayBuffer);
    if (!frame) return;
    metrics.feedFrames += 1;
    const h = frame.header;
    if (h.type === "hello") {
      this.hello = h;
      this.tail = h.tail;
      this.closed = h.closed;
      return;
    }
    this.tail = h.end;
    this.closed = h.closed;
    this.remember({ header: h, payload: frame.payload });
    this.wake({ kind: "batch" });
  }

  private remember(b: RecentBatch): void {
    this.recent.push(b);
    this.recentBytes += b.payload.length;
    isolateRecentBytes += b.payload.length;
    while (
      this.recent.length > RECENT_MAX_BATCHES ||
      this.recentBytes > RECENT_MAX_BYTES ||
      (isolateRecentBytes > ISOLATE_RECENT_MAX_BYTES && this.recent.length > 1)
    ) {
      this.forgetBytes(this.recent.shift()!.payload.length);
    }
  }

  private forgetBytes(n: number): void {
    this.recentBytes -= n;
    isolateRecentBytes -= n;
  }

  private wake(e: FeedEvent): void {
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const w of waiting) w(e);
  }

  /** Closes the feed and wakes every waiter so it can re-open or give up. */
  shutdown(gone: boolean): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.gone = gone;
    // A closed feed's batches leave the isolate's total; the last one stays
    // (it names the tail's segment) but is no longer counted.
    this.recent.splice(0, this.recent.length - 1);
    this.forgetBytes(this.recentBytes);
    clearTimeout(this.lingerTimer);
    clearInterval(this.reportTimer);
    metrics.feedsClosed += 1;
    try {
      this.ws.close(1000, "feed done");
    } catch {
      // already closed, or owned by a request that has ended
    }
    this.wake({ kind: "closed", gone });
    this.endLifetime();
  }
}
