/**
 * The protocol operations at the edge: validate the request once, call the
 * stream's Durable Object, and turn its result into the HTTP response.
 */
import type { Context } from "hono";
import type { ReadOk } from "../do/rpc-types.js";
import { readConfig, type Env } from "../env.js";
import { HttpError, failure, type Failure } from "../protocol/errors.js";
import { H, Q } from "../protocol/headers.js";
import { nextCursor } from "../protocol/cursor.js";
import { frameJsonArray } from "../protocol/json.js";
import { parseOffsetQuery } from "../protocol/offset.js";
import {
  isClosedHeader,
  isFailure,
  isJsonType,
  parseContentType,
  parseDecimal,
  parseExpiry,
  parseProducer,
  parseStreamSeq,
} from "../protocol/parse.js";
import { parseForkSource, parseStreamPath, type StreamPath } from "./paths.js";
import { cacheableReads, etagMatches, readEtag, streamHeaders } from "./respond.js";
import { serveSse } from "./sse.js";

type Ctx = Context<{ Bindings: Env }>;

/** Unwraps a Result, or throws it as the request's error response. */
export function must<R extends { readonly ok: boolean }>(r: R): Extract<R, { ok: true }> {
  if (!r.ok) throw new HttpError(r as unknown as Failure);
  return r as Extract<R, { ok: true }>;
}

/** Unwraps a parser result, or throws its Failure as the request's error response. */
export function check<T>(v: T | ReturnType<typeof failure>): T {
  if (isFailure(v)) throw new HttpError(v);
  return v;
}

/** The validated stream path of this request. */
export function streamPathOf(c: Ctx): StreamPath {
  const path = check(parseStreamPath(new URL(c.req.url).pathname));
  if (path.project !== "default") {
    throw new HttpError(failure(404, "not_found", `Project "${path.project}" does not exist`));
  }
  return path;
}

function stub(c: Ctx, path: StreamPath) {
  return c.env.STREAMS.get(c.env.STREAMS.idFromName(path.key));
}

function contentTypeOf(c: Ctx): string | null {
  const raw = c.req.header(H.contentType);
  if (raw === undefined || raw.trim() === "") return null;
  check(parseContentType(raw));
  return raw.trim();
}

/** PUT: create (201), confirm (200) or conflict (409); forks via Stream-Forked-From. */
export async function handlePut(c: Ctx): Promise<Response> {
  const path = streamPathOf(c);
  const headers = c.req.raw.headers;
  const expiry = check(parseExpiry(headers));
  const contentType = contentTypeOf(c);
  const forkFrom = headers.get(H.streamForkedFrom);
  let fork = null;
  if (forkFrom !== null) {
    const source = check(parseForkSource(forkFrom, c.req.url));
    if (source.project !== path.project) {
      throw new HttpError(failure(400, "invalid_header", "A fork's source must be in the same project"));
    }
    if (source.key === path.key) throw new HttpError(failure(400, "invalid_header", "A stream cannot fork itself"));
    const subRaw = headers.get(H.streamForkSubOffset);
    const subOffset = subRaw === null ? 0 : parseDecimal(subRaw);
    if (subOffset === undefined) {
      throw new HttpError(failure(400, "invalid_header", "Stream-Fork-Sub-Offset must be a non-negative integer"));
    }
    fork = { source: source.key, offset: headers.get(H.streamForkOffset), subOffset };
  } else if (headers.has(H.streamForkOffset) || headers.has(H.streamForkSubOffset)) {
    throw new HttpError(failure(400, "invalid_header", "Stream-Fork-Offset requires Stream-Forked-From"));
  }
  const r = must(
    await stub(c, path).create(
      { key: path.key, contentType, expiry, closed: isClosedHeader(headers.get(H.streamClosed)), fork },
      c.req.raw.body,
    ),
  );
  const out = streamHeaders(r.info);
  if (r.created) out.set(H.location, c.req.url.split("?")[0]!);
  return new Response(null, { status: r.created ? 201 : 200, headers: out });
}

/** POST: append and/or close. */
export async function handlePost(c: Ctx): Promise<Response> {
  const path = streamPathOf(c);
  const headers = c.req.raw.headers;
  const producer = check(parseProducer(headers));
  const streamSeq = check(parseStreamSeq(headers));
  const contentType = contentTypeOf(c);
  const declared = Number(headers.get("content-length") ?? "0");
  const { maxAppendBytes } = readConfig(c.env);
  if (declared > maxAppendBytes) {
    throw new HttpError(failure(413, "payload_too_large", `Body exceeds the ${maxAppendBytes}-byte limit per request`));
  }
  const r = must(
    await stub(c, path).append(
      { contentType, closed: isClosedHeader(headers.get(H.streamClosed)), producer, streamSeq },
      c.req.raw.body,
    ),
  );
  const out = new Headers({ [H.streamNextOffset]: r.info.nextOffset });
  if (r.info.closed) out.set(H.streamClosed, "true");
  if (r.producer) {
    out.set(H.producerEpoch, String(r.producer.epoch));
    out.set(H.producerSeq, String(r.producer.lastSeq));
  }
  return new Response(null, { status: r.status, headers: out });
}

/** HEAD: metadata, never cached. */
export async function handleHead(c: Ctx): Promise<Response> {
  const path = streamPathOf(c);
  const r = must(await stub(c, path).head());
  const out = streamHeaders(r.info, { lifetime: true });
  out.set(H.cacheControl, "no-store");
  return new Response(null, { status: 200, headers: out });
}

/** DELETE */
export async function handleDelete(c: Ctx): Promise<Response> {
  const path = streamPathOf(c);
  must(await stub(c, path).remove());
  return new Response(null, { status: 204 });
}

/** GET: catch-up, long-poll or SSE. */
export async function handleGet(c: Ctx): Promise<Response> {
  // Hono dispatches HEAD to GET handlers; HEAD has its own semantics here.
  if (c.req.raw.method === "HEAD") return handleHead(c);
  const path = streamPathOf(c);
  const url = new URL(c.req.url);
  const offsetParam = url.searchParams.get(Q.offset);
  const offset = parseOffsetQuery(offsetParam);
  if (!offset) throw new HttpError(failure(400, "invalid_offset", `Malformed offset "${offsetParam}"`));
  const live = url.searchParams.get(Q.live);
  if (live !== null && offsetParam === null) {
    throw new HttpError(
      failure(400, "invalid_offset", "Live reads need an offset (use -1 for the start, now for the tail)"),
    );
  }
  const cursor = url.searchParams.get(Q.cursor);
  const config = readConfig(c.env);
  if (live === "sse") return serveSse(stub(c, path), offset, cursor, config);
  if (live !== null && live !== "long-poll") {
    throw new HttpError(failure(400, "bad_request", `Unknown live mode "${live}"; use long-poll or sse`));
  }
  const waitMs = live === "long-poll" ? config.longPollTimeoutMs : 0;
  const r = must(await stub(c, path).read({ offset, waitMs, touch: true }));
  return readResponse(r, {
    live: live === "long-poll",
    cursor,
    ifNoneMatch: c.req.header(H.ifNoneMatch) ?? null,
    cacheable: offset.kind !== "now",
  });
}

function readResponse(
  r: ReadOk,
  opts: { live: boolean; cursor: string | null; ifNoneMatch: string | null; cacheable: boolean },
): Response {
  const h = streamHeaders(r.info);
  h.set(H.streamNextOffset, r.nextOffset);
  if (!r.eof) h.delete(H.streamClosed);
  if (r.upToDate) h.set(H.streamUpToDate, "true");
  if (opts.live && !r.eof) h.set(H.streamCursor, nextCursor(opts.cursor));
  if (r.timedOut || (opts.live && r.count === 0)) {
    h.set(H.cacheControl, "no-store");
    return new Response(null, { status: 204, headers: h });
  }
  const etag = readEtag(r.info.instance, r.startOffset, r.nextOffset, r.eof);
  h.set(H.cacheControl, opts.cacheable ? cacheableReads(true) : "no-store");
  if (opts.cacheable) h.set(H.etag, etag);
  if (opts.cacheable && etagMatches(opts.ifNoneMatch, etag)) return new Response(null, { status: 304, headers: h });
  const body = isJsonType(r.info.contentType) ? frameJsonArray(r.data) : r.data;
  if (r.info.contentType.toLowerCase().startsWith("application/octet-stream")) {
    h.set("content-disposition", "attachment");
  }
  return new Response(body, { status: 200, headers: h });
}
