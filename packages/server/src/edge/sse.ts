/**
 * SSE reads (PROTOCOL.md §5.8) served by the edge: it pulls from the
 * stream's Durable Object (catch-up, then long-polls as the wait primitive)
 * and writes events itself. A data event is always followed by a control
 * event; idle connections get keep-alive comments; the server ends the
 * connection after the configured interval, right after a control event.
 */
import type { ReadOk, ReadRequest } from "../do/rpc-types.js";
import type { Config } from "../env.js";
import type { Result } from "../protocol/errors.js";
import { nextCursor } from "../protocol/cursor.js";
import { H } from "../protocol/headers.js";
import { formatOffset, parseOffset, type OffsetQuery } from "../protocol/offset.js";
import { isJsonType, isTextType } from "../protocol/parse.js";
import {
  encodeBase64Data,
  encodeControl,
  encodeKeepAlive,
  encodeTextData,
  type ControlEvent,
} from "../protocol/sse.js";
import { HttpError } from "../protocol/errors.js";

/** The reads an SSE loop needs from a stream. */
export interface SseSource {
  read(req: ReadRequest): Promise<Result<ReadOk>>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Starts an SSE response; errors before the first event become normal HTTP errors. */
export async function serveSse(
  source: SseSource,
  offset: OffsetQuery,
  cursor: string | null,
  config: Config,
): Promise<Response> {
  const first = await source.read({ offset, waitMs: 0, touch: true });
  if (!first.ok) throw new HttpError(first);
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
  // the client together (no reader ever sees data without its offset).
  // Returns the offset delivered up to, or null when only an incomplete UTF-8
  // character is available (the caller waits for the rest of it).
  const emit = async (r: ReadOk, mustControl: boolean): Promise<string | null> => {
    let next = r.nextOffset;
    let out = "";
    let data = r.data;
    if (r.count > 0 && text && !json && !r.eof) {
      // Never split a UTF-8 character across events: hold back an incomplete tail.
      const keep = completeUtf8Length(data);
      if (keep < data.length) {
        const o = parseOffset(r.nextOffset)!;
        next = formatOffset({ segment: o.segment, position: o.position - (data.length - keep) });
        data = data.subarray(0, keep);
        if (keep === 0 && !mustControl) return null;
      }
    }
    if (data.length > 0) {
      const payload = json ? `[${decoder.decode(data)}]` : text ? decoder.decode(data) : null;
      out += payload === null ? encodeBase64Data(data) : encodeTextData(payload);
    }
    const eof = r.eof && next === r.nextOffset;
    const control: ControlEvent = { streamNextOffset: next };
    if (!eof) control.streamCursor = cursor = nextCursor(cursor);
    if (r.upToDate) control.upToDate = true;
    if (eof) control.streamClosed = true;
    await write(out + encodeControl(control));
    return next;
  };

  const run = async () => {
    const closeAt = Date.now() + config.sseCloseAfterMs;
    let r: Result<ReadOk> = first;
    let position = (await emit(first, true))!;
    let waitPast: number | undefined;
    while (r.ok && !r.eof && Date.now() < closeAt) {
      const idle = r.upToDate || waitPast !== undefined;
      const waitMs = idle ? Math.max(1, Math.min(config.sseKeepAliveMs, closeAt - Date.now())) : 0;
      const offset = parseOffset(position)!;
      r = await source.read({ offset: { kind: "at", offset }, waitMs, touch: false, waitPast });
      if (!r.ok) break;
      if (r.timedOut) {
        await write(encodeKeepAlive());
        continue;
      }
      if (r.count === 0 && !r.eof) break; // cannot progress; the client resumes from its last offset
      const next = await emit(r, false);
      if (next === null) {
        waitPast = parseOffset(r.nextOffset)!.position;
        continue;
      }
      waitPast = undefined;
      position = next;
    }
  };
  // The response streams while the loop runs in this request; a client that
  // goes away makes the next write reject, which ends the loop.
  void run()
    .catch(() => undefined)
    .finally(() => writer.close().catch(() => undefined));
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
