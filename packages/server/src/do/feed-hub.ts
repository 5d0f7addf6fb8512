/**
 * The StreamDO side of live reads: each edge isolate opens one hibernatable
 * WebSocket (the feed) per stream; every committed append is sent once per
 * feed, not once per reader. Between writes the object can hibernate and be
 * evicted while the feeds stay connected.
 */
import { encodeFrame, INLINE_PAYLOAD_MAX, CLOSE_STREAM_GONE, type BatchFrame } from "../live/feed-frames.js";
import { concat } from "./store.js";
import { joinMessages } from "../protocol/json.js";
import { isJsonType } from "../protocol/parse.js";
import { offsetAt, infoOf, type AppendedBatch } from "./host.js";
import type { StreamMeta } from "./meta.js";

/** Counters of the feed hub, kept per object instance (reset by eviction). */
export interface FeedHubStats {
  feedsAccepted: number;
  framesSent: number;
}

/** Accepts a feed WebSocket with the hibernation API and greets it with the stream's state. */
export function acceptFeed(ctx: DurableObjectState, m: StreamMeta, stats: FeedHubStats): Response {
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  ctx.acceptWebSocket(server);
  const info = infoOf(m);
  server.send(
    encodeFrame({
      type: "hello",
      instance: m.instance,
      contentType: info.contentType,
      tail: m.tail,
      nextOffset: info.nextOffset,
      closed: m.closed,
      ttlSeconds: m.ttlSeconds,
    }),
  );
  stats.feedsAccepted += 1;
  return new Response(null, { status: 101, webSocket: client });
}

/**
 * Sends one committed append (or close) to every connected feed. The payload
 * is built only when a feed is connected and it is small enough to inline.
 */
export function broadcastBatch(
  ctx: DurableObjectState,
  m: StreamMeta,
  start: number,
  batch: AppendedBatch,
  stats: FeedHubStats,
): void {
  const sockets = ctx.getWebSockets();
  if (sockets.length === 0) return;
  const json = isJsonType(m.contentType);
  const count = batch.count;
  const inline = batch.bytes + (json ? Math.max(0, count - 1) : 0) <= INLINE_PAYLOAD_MAX;
  const payload = inline ? (json ? joinMessages(batch.messages()) : concat(batch.messages())) : undefined;
  const header: BatchFrame = {
    type: "batch",
    start,
    end: m.tail,
    nextOffset: offsetAt(m, m.tail),
    closed: m.closed,
    count,
    inline,
  };
  const frame = encodeFrame(header, payload);
  for (const ws of sockets) {
    try {
      ws.send(frame);
      stats.framesSent += 1;
    } catch {
      // A feed that is going away; its isolate re-opens and catches up.
    }
  }
}

/** Closes every feed: the stream is gone (deleted or expired). */
export function closeFeeds(ctx: DurableObjectState): void {
  for (const ws of ctx.getWebSockets()) {
    try {
      ws.close(CLOSE_STREAM_GONE, "stream gone");
    } catch {
      // already closed
    }
  }
}

/** Readers held by the edge isolates whose feeds are connected, by mode (what each last reported). */
export interface HeldReaders {
  sse: number;
  longPoll: number;
}

/** A feed reported its isolate's readers (`{"readers":{"sse":n,"longPoll":m}}`); kept on the socket. */
export function noteFeedMessage(ws: WebSocket, message: string | ArrayBuffer): void {
  if (typeof message !== "string" || message.length > 256) return;
  try {
    const r = (JSON.parse(message) as { readers?: Partial<HeldReaders> }).readers;
    const n = (v: unknown) => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : 0);
    if (r) ws.serializeAttachment({ readers: { sse: n(r.sse), longPoll: n(r.longPoll) } });
  } catch {
    // not a report: ignored like any other feed message
  }
}

/** The readers all connected feeds reported. */
export function heldReadersOf(ctx: DurableObjectState): HeldReaders {
  const total = { sse: 0, longPoll: 0 };
  for (const ws of ctx.getWebSockets()) {
    const r = (ws.deserializeAttachment() as { readers?: HeldReaders } | null)?.readers;
    total.sse += r?.sse ?? 0;
    total.longPoll += r?.longPoll ?? 0;
  }
  return total;
}
