/**
 * Where a request's credential comes from: `Authorization: Bearer <token>`,
 * or — for EventSource, which cannot set headers — a `token` query parameter
 * on GET/HEAD, which may carry read scope only (principal.ts). The query token is removed from the URL before anything else
 * (handlers, Durable Objects, cache keys) sees it, and is never logged.
 */
import { requestUrl } from "../edge/request-url.js";

/** The query parameter that may carry a read token. */
export const TOKEN_PARAM = "token";

/** A request's credential, if any. */
export type Credential =
  | { readonly kind: "none" }
  | { readonly kind: "bearer"; readonly token: string; readonly via: "header" | "query" }
  | { readonly kind: "malformed"; readonly reason: string };

const BEARER_RE = /^Bearer[ ]+([A-Za-z0-9._~+/-]+=*)[ ]*$/i;
const MAX_TOKEN_LENGTH = 8 * 1024;

/** Extracts the credential of a request (the header wins over the query parameter). */
export function credentialOf(req: Request): Credential {
  const header = req.headers.get("authorization");
  if (header !== null) {
    // Surrounding whitespace is not part of the value (workerd passes it on as sent).
    const m = BEARER_RE.exec(header.replace(/^[ \t]+|[ \t]+$/g, ""));
    if (!m) return { kind: "malformed", reason: "Authorization must be 'Bearer <token>'" };
    return tokenCredential(m[1]!, "header");
  }
  const query = requestUrl(req).searchParams.get(TOKEN_PARAM);
  if (query === null) return { kind: "none" };
  if (req.method !== "GET" && req.method !== "HEAD") {
    return {
      kind: "malformed",
      reason: "The token query parameter is accepted on GET only; send Authorization: Bearer",
    };
  }
  return tokenCredential(query, "query");
}

function tokenCredential(token: string, via: "header" | "query"): Credential {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH)
    return { kind: "malformed", reason: "Token is empty or too long" };
  return { kind: "bearer", token, via };
}

/** The request without its `token` query parameter (the same object when it has none). */
export function withoutTokenParam(req: Request): Request {
  if (!requestUrl(req).searchParams.has(TOKEN_PARAM)) return req;
  const url = new URL(req.url);
  url.searchParams.delete(TOKEN_PARAM);
  return new Request(url.toString(), req);
}
