/**
 * The edge's metrics hook: after each stream request, counts what it was
 * (append, read, live read opened, 4xx/5xx of authorized requests) for its
 * project and stream, and
 * flushes the isolate's counts when the interval has passed (recorder.ts).
 * Bytes out are counted as the response body flows to the client.
 */
import type { MiddlewareHandler } from "hono";
import type { Env } from "../env.js";
import { STREAM_PREFIX, parseStreamPath } from "../edge/paths.js";
import { resolveTarget } from "../edge/targets.js";
import { accessOf } from "../edge/auth-middleware.js";
import { configureRecording, count, flushIfDue } from "./recorder.js";
import { requestUrl } from "../edge/request-url.js";

function counting(body: ReadableStream<Uint8Array>, project: string, stream: string): ReadableStream<Uint8Array> {
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, ctl) {
        count(project, stream, "bytesOut", chunk.byteLength);
        ctl.enqueue(chunk);
      },
    }),
  );
}

/** SSE: a data event went out on a stream (`key` is `project/name`). */
export function countSseDelivery(key: string, bytes: number): void {
  const i = key.indexOf("/");
  const project = key.slice(0, i);
  const name = key.slice(i + 1);
  count(project, name, "liveDeliveries");
  count(project, name, "bytesOut", bytes);
}

/** Middleware for `/v1/stream/*`. */
export function edgeMetrics(): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    if (!configureRecording(c.env)) return next();
    await next();
    // Only requests the project accepted are counted: a URL naming an unknown project
    // (or a caller without access) must not create metrics objects or rows.
    if (accessOf(c) === undefined) return;
    const pathname = requestUrl(c.req.raw).pathname;
    const target = resolveTarget(pathname);
    if ("ok" in target || !pathname.startsWith(STREAM_PREFIX)) return;
    const path = parseStreamPath(pathname);
    const stream = "ok" in path ? null : path.name;
    const { project } = target;
    const status = c.res.status;
    if (status >= 500) count(project, stream, "status5xx");
    else if (status >= 400) count(project, stream, "status4xx");
    else if (stream !== null) {
      const method = c.req.method;
      const live = c.req.query("live");
      // Bytes in are counted by the StreamDO that stored them (metrics/stored-bytes.ts).
      if (method === "POST") count(project, stream, "appends");
      else if (method === "GET" && live === "sse") count(project, stream, "sseOpened");
      else if (method === "GET") {
        if (live === "long-poll") count(project, stream, "longPollsOpened");
        if (live === "long-poll" && status === 200) count(project, stream, "liveDeliveries");
        else count(project, stream, "reads");
        if (status === 200 && c.res.body) c.res = new Response(counting(c.res.body, project, stream), c.res);
      }
    }
    const flush = flushIfDue(c.env);
    if (flush) c.executionCtx.waitUntil(flush);
  };
}
