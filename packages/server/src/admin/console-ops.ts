/**
 * The dashboard's stream and estuary actions (message browser, test console),
 * each one call of the server's own HTTP route (internal-fetch.ts), so hot and
 * sealed ranges, forks and limits behave exactly as for any client.
 */
import type { Env } from "../env.js";
import { failure, type Failure } from "../protocol/errors.js";
import { splitJsonMessages } from "../protocol/json.js";
import { formatOffset, parseOffset } from "../protocol/offset.js";
import { isFailure, isJsonType } from "../protocol/parse.js";
import { inspectStream } from "./operations.js";
import { internalCall, internalFetch, streamPath } from "./internal-fetch.js";

/** One message of a JSON page, with the offset it starts at. */
export interface PageMessage {
  readonly offset: string;
  readonly value: unknown;
}

/** One page of the message browser. */
export interface MessagePage {
  readonly ok: true;
  /** The offset this page was read from. */
  readonly offset: string;
  /** The offset after the page (read from here for the next page). */
  readonly nextOffset: string;
  /** The stream's tail offset when the page was read. */
  readonly tail: string;
  /** True when the page reaches the tail. */
  readonly upToDate: boolean;
  readonly contentType: string;
  /** JSON streams: the messages. */
  readonly messages?: PageMessage[];
  /** Other streams: up to MAX_BYTES bytes, base64. */
  readonly base64?: string;
}

/** Messages per page at most (JSON streams). */
export const MAX_PAGE_MESSAGES = 200;
const MAX_BYTES = 16 * 1024;

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

type Inspected = Exclude<Awaited<ReturnType<typeof inspectStream>>, Failure>["stream"];

/** The offset token of a position: minted with the segment holding it (the edge's hint for sealed reads). */
function offsetAt(i: Inspected, position: number): string {
  const seg = i.segments.find((s) => s.sealed && s.start <= position && position < s.end);
  const tail = parseOffset(i.offsets.tail)!;
  return formatOffset({ segment: seg ? seg.seq : tail.segment, position });
}

/** Where "tail" starts: the hot range, or the last sealed segment when the hot range is empty. */
function tailStart(i: Inspected): string {
  const last = i.segments.filter((s) => s.sealed).at(-1);
  if (!last) return i.offsets.start;
  return i.hot.bytes > 0 ? last.endOffset : last.startOffset;
}

/**
 * Reads one page of a stream from `offset` ("-1" = start, "tail" = the last
 * range, or an offset): at most `limit` JSON messages, each with its offset,
 * or MAX_BYTES bytes of other streams. The read itself is the stream's GET
 * route, so sealed (R2) and hot (SQLite) ranges read alike.
 */
export async function readMessages(
  env: Env,
  ctx: ExecutionContext,
  project: string,
  name: string,
  offset = "-1",
  limit = 50,
): Promise<MessagePage | Failure> {
  if (typeof offset !== "string") return failure(400, "invalid_offset", "offset must be a string");
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_MESSAGES) {
    return failure(400, "bad_request", `limit must be an integer from 1 to ${MAX_PAGE_MESSAGES}`);
  }
  const inspected = await inspectStream(env, project, name);
  if ("ok" in inspected) return inspected;
  const i = inspected.stream;
  // "-1" reads from position 0 (a fork's start includes what it inherits from its source), or from the retained start.
  const first = i.offsets.trimmed ? i.offsets.start : formatOffset({ segment: 0, position: 0 });
  const at = offset === "tail" ? tailStart(i) : offset === "-1" ? first : offset;
  const from = parseOffset(at);
  if (!from) return failure(400, "invalid_offset", `"${at}" is not an offset (use -1, tail or an offset)`);
  const res = await internalFetch(
    env,
    ctx,
    new Request(
      `http://admin-api.internal${streamPath(project, name)}?offset=${offset === "-1" ? "-1" : encodeURIComponent(at)}`,
    ),
  );
  if (!res.ok) {
    const e = ((await res.json().catch(() => null)) as { error?: { code: Failure["code"]; message: string } } | null)
      ?.error;
    return failure(res.status, e?.code ?? "bad_request", e?.message ?? `read answered ${res.status}`);
  }
  const body = new Uint8Array(await res.arrayBuffer());
  const contentType = res.headers.get("content-type") ?? "application/octet-stream";
  const serverNext = res.headers.get("stream-next-offset") ?? i.offsets.tail;
  const tailPos = parseOffset(i.offsets.tail)!.position;
  let position = from.position;
  const page = { ok: true as const, offset: at, tail: i.offsets.tail, contentType };
  if (isJsonType(contentType)) {
    const parts = splitJsonMessages(body, true);
    if (isFailure(parts)) return parts;
    const messages: PageMessage[] = [];
    const decoder = new TextDecoder();
    for (const m of parts.slice(0, limit)) {
      messages.push({ offset: offsetAt(i, position), value: JSON.parse(decoder.decode(m)) as unknown });
      position += m.length;
    }
    const whole = parts.length <= limit;
    const next = whole ? serverNext : offsetAt(i, position);
    return { ...page, messages, nextOffset: next, upToDate: whole && parseOffset(next)!.position >= tailPos };
  }
  const bytes = body.subarray(0, MAX_BYTES);
  position += bytes.length;
  const whole = bytes.length === body.length;
  const next = whole ? serverNext : offsetAt(i, position);
  return { ...page, base64: base64(bytes), nextOffset: next, upToDate: whole && position >= tailPos };
}

/** Creates a stream (PUT) with a content type, optional TTL, optionally as a fork of `forkOf` (same project). */
export async function createStream(
  env: Env,
  ctx: ExecutionContext,
  project: string,
  name: string,
  o: { contentType?: string; ttlSeconds?: number; forkOf?: string; forkOffset?: string } = {},
) {
  const headers: Record<string, string> = { "content-type": o.contentType ?? "application/json" };
  if (o.ttlSeconds !== undefined) headers["stream-ttl"] = String(o.ttlSeconds);
  if (o.forkOf !== undefined) headers["stream-forked-from"] = streamPath(project, String(o.forkOf));
  if (o.forkOffset !== undefined) headers["stream-fork-offset"] = String(o.forkOffset);
  const r = await internalCall(env, ctx, "PUT", streamPath(project, name), { headers });
  return r.ok ? { ok: true as const, status: r.status, nextOffset: r.headers["stream-next-offset"] ?? null } : r;
}

/** Appends one body (a JSON value or array for JSON streams, text otherwise). */
export async function appendMessage(
  env: Env,
  ctx: ExecutionContext,
  project: string,
  name: string,
  body: string,
  contentType = "application/json",
) {
  if (typeof body !== "string") return failure(400, "bad_request", "body must be a string");
  const r = await internalCall(env, ctx, "POST", streamPath(project, name), {
    body,
    headers: { "content-type": contentType },
  });
  return r.ok ? { ok: true as const, nextOffset: r.headers["stream-next-offset"] ?? null } : r;
}

/** Subscribes (or with `remove`, unsubscribes) an estuary session to a source stream. */
export async function estuarySubscribe(
  env: Env,
  ctx: ExecutionContext,
  project: string,
  source: string,
  estuaryId: string,
  remove = false,
) {
  const path = `/v1/estuary/subscribe/${encodeURIComponent(project)}/${source.split("/").map(encodeURIComponent).join("/")}`;
  const r = await internalCall(env, ctx, remove ? "DELETE" : "POST", path, {
    body: JSON.stringify({ estuaryId }),
    headers: { "content-type": "application/json" },
  });
  return r.ok ? { ok: true as const, status: r.status, ...(r.body as object) } : r;
}
