/**
 * GET on a stream: catch-up (through the Workers Cache API for sealed-size
 * chunks, and collapsed in flight; sealed history straight from R2 segments),
 * long-poll (waiting on the isolate's feed) and SSE (edge/sse.ts).
 */
import type { Context } from "hono";
import type { ReadOk } from "../do/rpc-types.js";
import { readConfig, type Env } from "../env.js";
import { HttpError, failure } from "../protocol/errors.js";
import { H, Q } from "../protocol/headers.js";
import { nextCursor } from "../protocol/cursor.js";
import { frameJsonArray } from "../protocol/json.js";
import { parseOffset, parseOffsetQuery, type OffsetQuery } from "../protocol/offset.js";
import { isJsonType } from "../protocol/parse.js";
import { collapsedRead, type EdgeReader, type PieceReader } from "../live/collapse.js";
import { readSealed } from "../cold/edge-reader.js";
import { readNow, releaseOwnedFeeds, waitForData } from "../live/live-reader.js";
import { metrics } from "../live/metrics.js";
import { holdReader } from "../live/held-readers.js";
import { countingBucket } from "../cold/counting-bucket.js";
import { cacheableReads, etagMatches, readEtag, streamHeaders } from "./respond.js";
import { serveSse } from "./sse.js";
import { jsonMessageBody } from "./message-pieces.js";
import { LAST_EVENT_ID, resumePointOf } from "./sse-resume.js";
import { isPublicRequest } from "./auth-middleware.js";
import { handleHead, must, streamPathOf, streamStub } from "./stream-routes.js";
import { requestUrl } from "./request-url.js";

type Ctx = Context<{ Bindings: Env }>;

/** GET: catch-up, long-poll or SSE. */
export async function handleGet(c: Ctx): Promise<Response> {
  // Hono dispatches HEAD to GET handlers; HEAD has its own semantics here.
  if (c.req.raw.method === "HEAD") return handleHead(c);
  const path = streamPathOf(c);
  const url = requestUrl(c.req.raw);
  const offsetParam = url.searchParams.get(Q.offset);
  const offset = parseOffsetQuery(offsetParam);
  if (!offset) throw new HttpError(failure(400, "invalid_offset", `Malformed offset "${offsetParam}"`));
  const live = url.searchParams.get(Q.live);
  if (live !== null && offsetParam === null) {
    throw new HttpError(
      failure(400, "invalid_offset", "Live reads need an offset (use -1 for the start, now for the tail)"),
    );
  }
  if (live !== null && live !== "long-poll" && live !== "sse") {
    throw new HttpError(failure(400, "bad_request", `Unknown live mode "${live}"; use long-poll or sse`));
  }
  const cursor = url.searchParams.get(Q.cursor);
  const config = readConfig(c.env);
  const stub = streamStub(c, path);
  const ctx = c.executionCtx;
  const edge = sealedReader(c, path.key, stub);
  if (live === "sse") {
    // An EventSource reconnecting to this URL says where it really is.
    const point = resumePointOf(c.req.header(LAST_EVENT_ID));
    const resume = point && { point, instance: () => stub.head().then((h) => (h.ok ? h.info.instance : null)) };
    return serveSse({ key: path.key, stub, ctx, edge }, offset, cursor, config, resume);
  }

  // `public` only for projects that allow anonymous reads (auth-middleware.ts).
  const isPublic = isPublicRequest(c);
  const ifNoneMatch = c.req.header(H.ifNoneMatch) ?? null;
  if (live === null) return catchUp(c, path.key, offset, ifNoneMatch, isPublic, edge);

  metrics.longPollsOpen += 1;
  const release = holdReader(path.key, "longPoll");
  try {
    const deadline = Date.now() + config.longPollTimeoutMs;
    const target = { key: path.key, stub, ctx, edge };
    let r = must(await readNow(target, offset, true, config));
    if (r.count === 0 && !r.eof) {
      const position = parseOffset(r.nextOffset)!.position;
      const waited = await waitForData(target, position, deadline, config, "longPoll");
      if (waited !== null) r = must(waited);
    }
    return readResponse(r, { live: true, cursor, ifNoneMatch, cacheable: true, isPublic, pieces: stub });
  } finally {
    metrics.longPollsOpen -= 1;
    release();
    releaseOwnedFeeds(ctx);
  }
}

/**
 * Catch-up read. A full chunk (not at the tail) never changes, so it is kept
 * in the Workers Cache API for other readers in this location; reads at the
 * tail are only collapsed in flight, so a write is visible to the next read.
 */
async function catchUp(
  c: Ctx,
  key: string,
  offset: OffsetQuery,
  ifNoneMatch: string | null,
  isPublic: boolean,
  edge: EdgeReader | undefined,
) {
  const cache = offset.kind !== "now" ? await openCache() : null;
  const cacheKey = cache ? cacheKeyOf(c.req.url) : null;
  if (cache && cacheKey) {
    const stored = await cache.match(cacheKey);
    if (stored) {
      metrics.cacheHits += 1;
      const hit = fromEdgeCache(stored);
      const etag = hit.headers.get(H.etag);
      if (etag && etagMatches(ifNoneMatch, etag)) return new Response(null, { status: 304, headers: hit.headers });
      return hit;
    }
    metrics.cacheMisses += 1;
  }
  const stub = streamStub(c, { key });
  const r = must(await collapsedRead(key, stub, { offset, touch: true }, edge));
  const cacheable = offset.kind !== "now";
  const res = readResponse(r, { live: false, cursor: null, ifNoneMatch, cacheable, isPublic, pieces: stub });
  const keepMs = readConfig(c.env).segmentHeadCacheMs;
  // A message read in pieces is not copied into the cache (a clone would buffer it whole).
  if (cache && cacheKey && res.status === 200 && !r.upToDate && !r.rest && keepMs > 0) {
    metrics.cachePuts += 1;
    c.executionCtx.waitUntil(cache.put(cacheKey, forEdgeCache(res.clone(), keepMs)));
  }
  return res;
}

// The edge cache is keyed by URL, which a deleted and re-created stream reuses,
// so it keeps a chunk only as long as an isolate trusts a segment head
// (SEGMENT_HEAD_CACHE_MS): a delete is seen at the edge as soon on both paths.
// Clients still get the protocol's Cache-Control, restored on the way out.
const CLIENT_CACHE_CONTROL = "x-ds-client-cache-control";

function forEdgeCache(res: Response, keepMs: number): Response {
  const stored = new Response(res.body, res);
  stored.headers.set(CLIENT_CACHE_CONTROL, res.headers.get(H.cacheControl) ?? "no-store");
  stored.headers.set(H.cacheControl, `max-age=${Math.max(1, Math.floor(keepMs / 1000))}`);
  return stored;
}

function fromEdgeCache(stored: Response): Response {
  const res = new Response(stored.body, stored);
  res.headers.set(H.cacheControl, stored.headers.get(CLIENT_CACHE_CONTROL) ?? "no-store");
  res.headers.delete(CLIENT_CACHE_CONTROL);
  return res;
}

/** Reads sealed history from R2 at the edge (when the deployment has the segment bucket). */
function sealedReader(c: Ctx, key: string, stub: { touch(): Promise<void> }): EdgeReader | undefined {
  const bucket = c.env.SEGMENTS;
  if (!bucket) return undefined;
  const config = readConfig(c.env);
  const target = {
    key,
    doId: c.env.STREAMS.idFromName(key).toString(),
    bucket: countingBucket(bucket, metrics),
    maxReadBytes: config.maxReadBytes,
    headCacheMs: config.segmentHeadCacheMs,
    waitUntil: (p: Promise<unknown>) => c.executionCtx.waitUntil(p),
    touch: () => stub.touch(),
  };
  return (req) => readSealed(target, req);
}

async function openCache(): Promise<Cache | null> {
  try {
    return await caches.open("ds-chunks");
  } catch {
    return null;
  }
}

/** The cache key: the stream URL and offset only (never a token or other parameters). */
function cacheKeyOf(rawUrl: string): Request {
  const u = new URL(rawUrl);
  const key = new URL(`${u.origin}${u.pathname}`);
  key.searchParams.set(Q.offset, u.searchParams.get(Q.offset) ?? "-1");
  return new Request(key.toString());
}

/** Builds the HTTP response of a catch-up or long-poll read. */
export function readResponse(
  r: ReadOk,
  opts: {
    live: boolean;
    cursor: string | null;
    ifNoneMatch: string | null;
    cacheable: boolean;
    isPublic: boolean;
    /** Reads the rest of a large message (ReadOk.rest). */
    pieces: PieceReader;
  },
): Response {
  const h = streamHeaders(r.info);
  h.set(H.streamNextOffset, r.nextOffset);
  if (!r.eof) h.delete(H.streamClosed);
  else h.set(H.streamClosed, "true");
  if (r.upToDate) h.set(H.streamUpToDate, "true");
  if (opts.live && !r.eof) h.set(H.streamCursor, nextCursor(opts.cursor));
  if (opts.live && r.count === 0) {
    h.set(H.cacheControl, "no-store");
    return new Response(null, { status: 204, headers: h });
  }
  const etag = readEtag(r.info.instance, r.startOffset, r.nextOffset, r.eof);
  h.set(H.cacheControl, opts.cacheable ? cacheableReads(opts.isPublic) : "no-store");
  if (opts.cacheable) h.set(H.etag, etag);
  if (opts.cacheable && etagMatches(opts.ifNoneMatch, etag)) return new Response(null, { status: 304, headers: h });
  const body = r.rest
    ? jsonMessageBody(opts.pieces, r)
    : isJsonType(r.info.contentType)
      ? frameJsonArray(r.data)
      : r.data;
  if (r.info.contentType.toLowerCase().startsWith("application/octet-stream")) {
    h.set("content-disposition", "attachment");
  }
  return new Response(body, { status: 200, headers: h });
}
