/**
 * The edge Worker: routing, CORS, security headers and the one place where
 * errors become responses.
 */
import { Hono, type MiddlewareHandler } from "hono";
import { ConfigError, readConfig, type Env } from "../env.js";
import { metrics, snapshot } from "../live/metrics.js";
import { HttpError, failure } from "../protocol/errors.js";
import { adminRoutes } from "./admin-routes.js";
import { adminReadRoutes } from "./admin-read-routes.js";
import { edgeMetrics } from "../metrics/edge-metrics.js";
import { recorderCounters } from "../metrics/recorder.js";
import { catalogSeedRoute } from "../catalog/debug-seed.js";
import { requireRoot } from "./admin-auth.js";
import { streamAuth } from "./auth-middleware.js";
import { debugRoutes } from "./debug-routes.js";
import { drainUnread } from "./drain.js";
import { cors } from "./cors.js";
import { estuaryRoutes } from "./estuary-routes.js";
import { STREAM_PREFIX, parseStreamPath } from "./paths.js";
import { SECURITY_HEADERS, errorResponse } from "./respond.js";
import { handleGet } from "./read-route.js";
import { subscriptionRoutes } from "../subscriptions/routes.js";
import { check, handleDelete, handlePost, handlePut } from "./stream-routes.js";
import { handlePatch } from "./retention-routes.js";

/** Builds the Hono application. */
export function createApp(): Hono<{ Bindings: Env }> {
  const app = new Hono<{ Bindings: Env }>();

  app.use("*", async (c, next) => {
    await next();
    // Responses from fetch/RPC may carry immutable headers; copy when needed.
    try {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
    } catch {
      c.res = new Response(c.res.body, c.res);
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
    }
  });
  app.use("*", cors());
  // A refused request's unread body is drained before the answer goes out (drain.ts).
  app.use("*", async (c, next) => {
    await next();
    if (c.res.status >= 400) await drainUnread(c.req.raw);
  });
  app.use("*", async (c, next) => {
    if (!c.req.path.startsWith("/v1/metrics")) metrics.workerRequests += 1;
    await next();
  });

  app.get("/health", (c) => c.json({ ok: true }));
  // Counters are open while the default project is open (local dev); otherwise they need the ADMIN_TOKEN.
  const metricsAccess: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
    if (!readConfig(c.env).defaultProjectOpen) await requireRoot(c);
    await next();
  };
  app.use("/v1/metrics/*", metricsAccess); // also matches /v1/metrics itself
  // Per-isolate counters (DO requests, feeds, readers held, cache).
  app.get("/v1/metrics", (c) => c.json({ ...snapshot(), ...recorderCounters }, 200, { "cache-control": "no-store" }));
  // One stream's own counters, kept by its StreamDO (rows read/written, feed frames sent).
  app.get("/v1/metrics/stream/*", async (c) => {
    const path = check(parseStreamPath(new URL(c.req.url).pathname.replace("/v1/metrics/stream/", STREAM_PREFIX)));
    const counters = await c.env.STREAMS.get(c.env.STREAMS.idFromName(path.key)).counters();
    return c.json({ stream: path.key, ...counters }, 200, { "cache-control": "no-store" });
  });

  app.route("/v1/_debug/catalog-seed", catalogSeedRoute());
  app.route("/v1/_debug", debugRoutes());
  app.route("/v1/projects", adminReadRoutes());
  app.route("/v1/projects", adminRoutes());
  app.route("/v1/estuary", estuaryRoutes());

  const stream = `${STREAM_PREFIX}*`;
  // PROTOCOL.md §6–7: the reserved `__ds` paths, before anything treats them as streams.
  app.use(stream, subscriptionRoutes());
  // Durable per-minute metrics (src/metrics); counts what the routes below answered.
  app.use(stream, edgeMetrics());
  // Project lookup, authentication, authorization and limits for every stream route.
  app.use(stream, streamAuth());
  app.put(stream, handlePut);
  app.post(stream, handlePost);
  app.get(stream, handleGet); // also HEAD: Hono dispatches HEAD to GET routes

  app.delete(stream, handleDelete);
  app.patch(stream, handlePatch);
  app.all(stream, (c) => {
    const f = failure(405, "method_not_allowed", `${c.req.method} is not supported on streams`);
    const res = errorResponse(f);
    res.headers.set("allow", "GET, HEAD, POST, PUT, DELETE, OPTIONS");
    return res;
  });

  app.notFound(() => errorResponse(failure(404, "not_found", "No such route")));
  app.onError((err) => {
    if (err instanceof HttpError) return errorResponse(err.failure);
    // An operator's mistake, not a secret: say which setting to change.
    if (err instanceof ConfigError) return errorResponse(failure(500, "config_invalid", err.message));
    console.error(JSON.stringify({ msg: "unhandled error", error: String(err), stack: (err as Error).stack }));
    return errorResponse(failure(500, "internal", "Internal error"));
  });
  return app;
}
