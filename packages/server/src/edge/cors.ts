/**
 * CORS for browser clients: preflights allow the protocol's request headers
 * (If-None-Match included) and responses expose Stream-* and Producer-*.
 */
import type { MiddlewareHandler } from "hono";
import type { Env } from "../env.js";
import { CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS } from "../protocol/headers.js";
import { originAllowed } from "./cors-policy.js";
import { requestUrl } from "./request-url.js";

const METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

/** Answers preflights and decorates every response with CORS headers. */
export function cors(): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    const origin = c.req.header("origin");
    // A project may limit its browser origins; others get no CORS grant.
    const allowed = origin === undefined || (await originAllowed(c.env, requestUrl(c.req.raw).pathname, origin));
    if (c.req.method === "OPTIONS") {
      if (!allowed) return new Response(null, { status: 204, headers: { vary: "Origin" } });
      const h = new Headers({
        "access-control-allow-origin": origin ?? "*",
        "access-control-allow-methods": METHODS,
        "access-control-allow-headers": CORS_ALLOW_HEADERS.join(", "),
        "access-control-expose-headers": CORS_EXPOSE_HEADERS.join(", "),
        "access-control-max-age": "86400",
        vary: "Origin",
      });
      return new Response(null, { status: 204, headers: h });
    }
    await next();
    const h = c.res.headers;
    if (allowed) {
      h.set("access-control-allow-origin", origin ?? "*");
      h.set("access-control-expose-headers", CORS_EXPOSE_HEADERS.join(", "));
    }
    if (origin) h.append("vary", "Origin");
  };
}
