/**
 * SSE reads (PROTOCOL.md §5.8) served by the edge. History comes from
 * collapsed catch-up reads; at the tail the reader waits on its isolate's
 * feed. A data event is always written together with its control event; idle
 * connections get keep-alive comments; the server ends the connection after
 * the configured interval, right after a control event. Both events carry an
 * `id:` (protocol/sse-id.ts), so a plain EventSource resumes exactly.
 */
import type { ReadOk } from "../do/rpc-types.js";
import type { Config } from "../env.js";
import { HttpError, type Result } from "../protocol/errors.js";
import { nextCursor } from "../protocol/cursor.js";
import { H } from "../protocol/headers.js";
import { formatOffset, parseOffset, type OffsetQuery } from "../protocol/offset.js";
import { isJsonType, isTextType } from "../protocol/parse.js";
import { encodeEventId, type SseResumePoint } from "../protocol/sse-id.js";
import {
  encodeBase64Data,
  encodeControl,
  encodeKeepAlive,
  encodeTextData,
  type ControlEvent,
} from "../protocol/sse.js";
import { readNow, releaseOwnedFeeds, waitForData, type LiveTarget } from "../live/live-reader.js";
import { metrics } from "../live/metrics.js";
import { holdReader } from "../live/held-readers.js";
import { countSseDelivery } from "../metrics/edge-metrics.js";
import { checkResume } from "./sse-resume.js";
import { writeJsonMessageEvent } from "./message-pieces.js";
import { concat } from "../do/store.js";

/** The stream an SSE response reads, and the request it runs in. */
export type SseTarget = LiveTarget;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A reconnect's `Last-Event-ID`, and how to learn the stream's instance when a read fails. */
export interface SseResume {
  readonly point: SseResumePoint;
  readonly instance: () => Promise<string | null>;
}

/**
 * Starts an SSE response; errors before the first event become normal HTTP
 * errors. With `resume`, the read starts at its id (not `offset`), and a
 * reconnect at a closed stream's tail is `204` so EventSource stops.
 */
export async function serveSse(
  target: SseTarget,
  offset: OffsetQuery,
  cursor: string | null,
  config: Config,
  resume: SseResume | null = null,
): Promise<Response> {
  const { ctx } = target;
  if (resume) {
    offset = { kind: "at", offset: resume.point.offset };
    cursor = resume.point.cursor;
  }
  const first = await readNow(target, offset, true, config);
  // No event stream follows: let go of a feed this request opened (the loop does it otherwise).
  const fail: (e: unknown) => never = (e) => {
    releaseOwnedFeeds(ctx);
    throw e;
  };
  const decision = resume ? await checkResume(resume.point, first, resume.instance).catch(fail) : "stream";
  if (!first.ok) fail(new HttpError(first));
  if (decision === "closed") {
    releaseOwnedFeeds(ctx);
    return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
  }
  const text = isTextType(first.info.contentType);
  const json = isJsonType(first.info.contentType);
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const headers = new Headers({
    "content-type": "text/event-stream",
    "cache-control": "no-cache, no-store",
    "x-accel-buffering": "no",
  });
  if (!text) headers.set(H.sseDataEncoding, "base64");
  const write = (s: string) => writer.write(encoder.encode(s));

  // A data event and its control event go out in one write, so they reach
  // the client together. Returns the offset delivered up to, or null when
  // only an incomplete UTF-8 character is available (wait for the rest).
  const emit = async (r: ReadOk, mustControl: boolean): Promise<string | null> => {
    let next = r.nextOffset;
    let data = r.data;
    if (r.count > 0 && text && !json && !r.eof) {
      const keep = completeUtf8Length(data);
      if (keep < data.length) {
        const o = parseOffset(r.nextOffset)!;
        next = formatOffset({ segment: o.segment, position: o.position - (data.length - keep) });
        data = data.subarray(0, keep);
        if (keep === 0 && !mustControl) return null;
      }
    }
    const eof = r.eof && next === r.nextOffset;
    const control: ControlEvent = { streamNextOffset: next };
    if (!eof) control.streamCursor = cursor = nextCursor(cursor);
    if (r.upToDate) control.upToDate = true;
    if (eof) control.streamClosed = true;
    // The data event carries its control's id too: a connection lost between
    // the two resumes after the data, never before it.
    const id = encodeEventId(next, control.streamCursor ?? nextCursor(cursor), r.info.instance);
    if (r.rest) {
      // One message larger than a read: written piece by piece, then its control event.
      // One write per piece (a copy of at most a piece plus its line prefixes).
      const bytes = await writeJsonMessageEvent(target.stub, r, id, (views) => writer.write(concat(views)));
      await write(encodeControl(control, id));
      countSseDelivery(target.key, bytes);
      return next;
    }
    let out = "";
    if (data.length > 0) {
      const payload = json ? `[${decoder.decode(data)}]` : text ? decoder.decode(data) : null;
      out += payload === null ? encodeBase64Data(data, id) : encodeTextData(payload, id);
    }
    await write(out + encodeControl(control, id));
    if (data.length > 0) countSseDelivery(target.key, data.length);
    return next;
  };

  const run = async () => {
    const closeAt = Date.now() + config.sseCloseAfterMs;
    let position = (await emit(first, true))!;
    let caughtUp = first.upToDate;
    let eof = first.eof;
    // Where to wait for new data: past a held-back partial character if there is one.
    let waitFrom = parseOffset(position)!.position;
    while (!eof && Date.now() < closeAt) {
      const at = parseOffset(position)!;
      let r: Result<ReadOk> | null;
      if (!caughtUp) {
        r = await readNow(target, { kind: "at", offset: at }, false, config);
      } else {
        const until = Math.min(Date.now() + config.sseKeepAliveMs, closeAt);
        r = await waitForData(target, waitFrom, until, config, "sse");
        if (r === null) {
          await write(encodeKeepAlive());
          continue;
        }
        if (r.ok && waitFrom !== at.position) {
          r = await readNow(target, { kind: "at", offset: at }, false, config);
        }
      }
      if (!r.ok) break;
      const next = await emit(r, false);
      if (next === null) {
        waitFrom = parseOffset(r.nextOffset)!.position;
        caughtUp = true;
        continue;
      }
      position = next;
      waitFrom = parseOffset(next)!.position;
      caughtUp = r.upToDate;
      eof = r.eof && next === r.nextOffset;
    }
  };
  metrics.sseOpen += 1;
  const release = holdReader(target.key, "sse");
  // The response streams while the loop runs in this request; a client that
  // goes away makes the next write reject, which ends the loop.
  void run()
    .catch(() => undefined)
    .finally(() => {
      metrics.sseOpen -= 1;
      release();
      releaseOwnedFeeds(ctx);
      return writer.close().catch(() => undefined);
    });
  return new Response(readable, { status: 200, headers });
}

/** Length of the longest prefix of `b` that does not end inside a UTF-8 sequence. */
export function completeUtf8Length(b: Uint8Array): number {
  const n = b.length;
  for (let back = 1; back <= Math.min(4, n); back++) {
    const byte = b[n - back]!;
    if ((byte & 0xc0) !== 0x80) {
      const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
      return need > back ? n - back : n;
    }
  }
  return n;
}
