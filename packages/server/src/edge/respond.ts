/**
 * Response building shared by every route: the JSON error body, browser
 * security headers and the protocol headers that describe a stream.
 */
import type { StreamInfo } from "../do/rpc-types.js";
import type { Failure } from "../protocol/errors.js";
import { H } from "../protocol/headers.js";

/** Headers every response carries (PROTOCOL.md §12.7). */
export const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "cross-origin-resource-policy": "cross-origin",
  "referrer-policy": "no-referrer",
} as const;

/** The `{"error":{"code","message"}}` response for a failure. */
export function errorResponse(f: Failure): Response {
  const headers = new Headers({ "content-type": "application/json", "cache-control": "no-store" });
  for (const [k, v] of Object.entries(f.headers ?? {})) headers.set(k, v);
  return new Response(JSON.stringify({ error: { code: f.code, message: f.message } }), {
    status: f.status,
    headers,
  });
}

/** Content-Type, tail offset, closure and lifetime headers of a stream. */
export function streamHeaders(info: StreamInfo, opts: { lifetime?: boolean } = {}): Headers {
  const h = new Headers();
  h.set(H.contentType, info.contentType);
  h.set(H.streamNextOffset, info.nextOffset);
  if (info.closed) h.set(H.streamClosed, "true");
  if (opts.lifetime) {
    if (info.ttlSeconds !== null) h.set(H.streamTtl, String(info.ttlSeconds));
    if (info.expiresAtMs !== null) h.set(H.streamExpiresAt, new Date(info.expiresAtMs).toISOString());
  }
  return h;
}

/** The ETag of a read: stream instance, range, and closure (which must change it). */
export function readEtag(instance: string, start: string, end: string, eof: boolean): string {
  return `"${instance}:${start}:${end}${eof ? ":c" : ""}"`;
}

/** True when an If-None-Match header lists this ETag (or `*`). */
export function etagMatches(ifNoneMatch: string | null, etag: string): boolean {
  if (ifNoneMatch === null) return false;
  return ifNoneMatch
    .split(",")
    .map((t) => t.trim().replace(/^W\//, ""))
    .some((t) => t === etag || t === "*");
}

/** How long a shared cache (CDN) may reuse a read without asking (PROTOCOL.md §10.1). */
export const SHARED_MAX_AGE_S = 60;

/**
 * Cache-Control for catch-up and long-poll reads (docs/server.md, "Caching").
 * A browser never reuses one without revalidating (`max-age=0` / `no-cache`,
 * ETag → 304): a tail response goes stale with the next append, and even a
 * full chunk's URL names an offset, not a stream instance, so a deleted and
 * re-created stream reuses it for other bytes. Shared caches keep a public
 * read for `s-maxage` so they still collapse readers; `stale-while-revalidate`
 * is left out because browsers honour it too. Private reads are never stored
 * by a shared cache.
 */
export function cacheableReads(isPublic: boolean): string {
  return isPublic ? `public, max-age=0, s-maxage=${SHARED_MAX_AGE_S}` : "private, no-cache";
}
