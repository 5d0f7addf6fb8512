/**
 * The dashboard's stream and estuary actions (message browser, test console),
 * each one call of the server's own HTTP route (internal-fetch.ts), so hot and
 * sealed ranges, forks and limits behave exactly as for any client.
 */
import type { Env } from "../env.js";
import { failure, type Failure } from "../protocol/errors.js";
import { inspectStream } from "./operations.js";
import { internalCall, streamPath } from "./internal-fetch.js";

/** One page of the message browser. */
export interface MessagePage {
  readonly ok: true;
  /** The offset this page was read from. */
  readonly offset: string;
  /** The offset after the page (read from here for the next page). */
  readonly nextOffset: string | null;
  readonly upToDate: boolean;
  readonly contentType: string;
  /** JSON streams: the messages. */
  readonly messages?: unknown[];
  /** Other streams: the bytes, base64. */
  readonly base64?: string;
}

const MAX_JSON_BODY = 256 * 1024;

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Where "tail" starts: the hot range, or the last sealed segment when the hot range is empty. */
async function tailOffset(env: Env, project: string, name: string): Promise<string | Failure> {
  const i = await inspectStream(env, project, name);
  if ("ok" in i) return i;
  const sealed = i.stream.segments.filter((s) => s.sealed);
  const last = sealed.at(-1);
  if (!last) return i.stream.offsets.start;
  return i.stream.hot.bytes > 0 ? last.endOffset : last.startOffset;
}

/** Reads one page of a stream from `offset` ("-1" = start, "tail" = the last range, or an offset). */
export async function readMessages(
  env: Env,
  ctx: ExecutionContext,
  project: string,
  name: string,
  offset = "-1",
): Promise<MessagePage | Failure> {
  if (typeof offset !== "string") return failure(400, "invalid_offset", "offset must be a string");
  const at = offset === "tail" ? await tailOffset(env, project, name) : offset;
  if (typeof at !== "string") return at;
  const path = `${streamPath(project, name)}?offset=${encodeURIComponent(at)}`;
  const r = await internalCall(env, ctx, "GET", path);
  if (!r.ok) return r;
  const contentType = r.headers["content-type"] ?? "application/octet-stream";
  const page = {
    ok: true as const,
    offset: at,
    nextOffset: r.headers["stream-next-offset"] ?? null,
    upToDate: r.headers["stream-up-to-date"] === "true",
    contentType,
  };
  if (Array.isArray(r.body)) return { ...page, messages: r.body };
  const text = typeof r.body === "string" ? r.body : r.body === null ? "" : JSON.stringify(r.body);
  return { ...page, base64: base64(new TextEncoder().encode(text.slice(0, MAX_JSON_BODY))) };
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
