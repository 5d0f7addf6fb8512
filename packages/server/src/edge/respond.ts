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

/**
 * True when an If-None-Match header matches this ETag (RFC 9110 §13.1.2):
 * the whole value `*`, or a comma-separated list of entity tags compared
 * weakly (`W/"x"` matches `"x"`). Commas inside a quoted tag belong to the
 * tag; optional whitespace around members is ignored; a malformed member
 * matches nothing (and `*` inside a list is malformed).
 */
export function etagMatches(ifNoneMatch: string | null, etag: string): boolean {
  if (ifNoneMatch === null) return false;
  const value = ifNoneMatch.trim();
  if (value === "*") return true;
  return entityTags(value).includes(etag);
}

/** The opaque tags (with their quotes) of an entity-tag list, W/ dropped; malformed members are skipped. */
function entityTags(list: string): string[] {
  const tags: string[] = [];
  let i = 0;
  while (i < list.length) {
    while (i < list.length && (list[i] === " " || list[i] === "\t" || list[i] === ",")) i++;
    const start = i;
    if (list.startsWith("W/", i)) i += 2;
    if (list[i] === '"') {
      const close = list.indexOf('"', i + 1);
      const end = close === -1 ? list.length : close + 1;
      const opaque = list.slice(i, end);
      i = end;
      // A member is the tag alone: anything before the next comma but whitespace makes it malformed.
      let j = i;
      while (j < list.length && (list[j] === " " || list[j] === "\t")) j++;
      if (close !== -1 && (j === list.length || list[j] === ",") && /^"[\x21\x23-\x7e\x80-\uffff]*"$/.test(opaque)) {
        tags.push(opaque);
      }
      i = j;
    }
    // Skip what is left of a malformed member.
    if (i === start || (i < list.length && list[i] !== ",")) {
      while (i < list.length && list[i] !== ",") i++;
    }
  }
  return tags;
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
