/**
 * The protocol operations at the edge: validate the request once, call the
 * stream's Durable Object, and turn its result into the HTTP response.
 */
import type { Context } from "hono";
import { readConfig, type Env } from "../env.js";
import { HttpError, failure, type Failure } from "../protocol/errors.js";
import { H } from "../protocol/headers.js";
import {
  headerValue,
  isClosedHeader,
  isFailure,
  parseContentType,
  parseDecimal,
  parseExpiry,
  parseProducer,
  parseStreamSeq,
} from "../protocol/parse.js";
import { parseForkSource, parseStreamPath, type StreamPath } from "./paths.js";
import { metrics } from "../live/metrics.js";
import { guardBody, peekEmpty, readWhole } from "./body-guard.js";
import { publicUrlOf } from "./public-url.js";
import { streamHeaders } from "./respond.js";
import { createRetention, setRetentionHeaders } from "./retention-routes.js";
import type { BodyInput } from "../do/rpc-types.js";
import { requestUrl } from "./request-url.js";

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

/**
 * The validated stream path of this request. Its project exists and the
 * caller may use it: the stream-route middleware (auth-middleware.ts) checked
 * both before any handler runs.
 */
export function streamPathOf(c: Ctx): StreamPath {
  return check(parseStreamPath(requestUrl(c.req.raw).pathname));
}

/** The StreamDO stub of a stream. */
export function streamStub(c: Ctx, path: { key: string }) {
  return c.env.STREAMS.get(c.env.STREAMS.idFromName(path.key));
}

/** Counts one StreamDO request of a kind (reads are counted where they are collapsed). */
function count(kind: "doWrites" | "doOther"): void {
  metrics[kind] += 1;
}

function contentTypeOf(c: Ctx): string | null {
  const raw = c.req.header(H.contentType);
  if (raw === undefined || raw.trim() === "") return null;
  check(parseContentType(raw));
  return raw.trim();
}

/** An append's Content-Type; an empty body's is ignored, even when invalid (PROTOCOL.md §5.2). */
async function appendContentType(c: Ctx): Promise<string | null> {
  const raw = c.req.header(H.contentType);
  if (raw === undefined || !isFailure(parseContentType(raw))) return contentTypeOf(c);
  const peeked = await peekEmpty(c.req.raw);
  c.req.raw = peeked.req;
  if (peeked.empty) return null;
  // Refused below with the body unread: the drain reads it before the answer (drain.ts).
  return contentTypeOf(c);
}

/**
 * A body of at most this many bytes, declared by its Content-Length, is read
 * here and goes to the object as bytes inside the call: a stream beside the
 * call costs the round trip more than such a body (docs/benchmarks.md). The
 * bound keeps what the edge holds per request small. Producer appends keep
 * the stream: their turn is taken when the call reaches the object, before
 * the body is read (do/producer-turns.ts), so the call must start with the
 * request rather than once its body has arrived.
 */
export const INLINE_BODY_MAX_BYTES = 16 * 1024;

/**
 * Calls the Durable Object with the request body, guarded so that an
 * interrupted upload fails before anything commits (a 400: nothing was
 * stored). With `inline`, a small body of declared length is sent as bytes.
 */
async function withBody<T>(c: Ctx, inline: boolean, call: (body: BodyInput) => Promise<T>): Promise<T> {
  const header = c.req.header("content-length");
  const declared = header === undefined ? null : (parseDecimal(header) ?? null);
  if (inline && c.req.raw.body !== null && declared !== null && declared <= INLINE_BODY_MAX_BYTES) {
    const whole = await readWhole(c.req.raw, declared);
    if ("problem" in whole)
      throw new HttpError(failure(400, "body_incomplete", `${whole.problem}; nothing was stored`));
    return await call(whole.bytes);
  }
  const guarded = guardBody(c.req.raw, declared);
  try {
    return await call(guarded.body);
  } catch (e) {
    const problem = guarded.problem();
    if (problem === null) throw e;
    throw new HttpError(failure(400, "body_incomplete", `${problem}; nothing was stored`));
  } finally {
    await guarded.release();
  }
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
    fork = { source: source.key, offset: headerValue(headers, H.streamForkOffset), subOffset };
  } else if (headers.has(H.streamForkOffset) || headers.has(H.streamForkSubOffset)) {
    throw new HttpError(failure(400, "invalid_header", "Stream-Fork-Offset requires Stream-Forked-From"));
  }
  count("doWrites");
  const closed = isClosedHeader(headers.get(H.streamClosed));
  const retention = createRetention(c);
  const r = must(
    await withBody(
      c,
      true,
      async (body) =>
        await streamStub(c, path).create({ key: path.key, contentType, expiry, closed, fork, retention }, body),
    ),
  );
  const out = streamHeaders(r.info);
  if (r.created) out.set(H.location, publicUrlOf(c.req.url.split("?")[0]!, readConfig(c.env).publicOrigin).href);
  return new Response(null, { status: r.created ? 201 : 200, headers: out });
}

/** POST: append and/or close. */
export async function handlePost(c: Ctx): Promise<Response> {
  const path = streamPathOf(c);
  const headers = c.req.raw.headers;
  const producer = check(parseProducer(headers));
  const streamSeq = check(parseStreamSeq(headers));
  const contentType = await appendContentType(c);
  const declared = Number(headers.get("content-length") ?? "0");
  const { maxAppendBytes } = readConfig(c.env);
  if (declared > maxAppendBytes) {
    throw new HttpError(failure(413, "payload_too_large", `Body exceeds the ${maxAppendBytes}-byte limit per request`));
  }
  count("doWrites");
  const closed = isClosedHeader(headers.get(H.streamClosed));
  const r = must(
    await withBody(
      c,
      producer === null,
      async (body) => await streamStub(c, path).append({ contentType, closed, producer, streamSeq }, body),
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
  count("doOther");
  const r = must(await streamStub(c, path).head());
  const out = streamHeaders(r.info, { lifetime: true });
  out.set(H.cacheControl, "no-store");
  setRetentionHeaders(out, r.retention);
  return new Response(null, { status: 200, headers: out });
}

/** DELETE */
export async function handleDelete(c: Ctx): Promise<Response> {
  const path = streamPathOf(c);
  count("doWrites");
  must(await streamStub(c, path).remove());
  return new Response(null, { status: 204 });
}
