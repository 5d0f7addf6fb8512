/**
 * The dashboard's API: `POST /api/rpc/:method` with `{"args":[...]}` calls one
 * allowed AdminApi method over the SERVER binding; `GET /api/sse/...` proxies a
 * stream's SSE (live tail, session log) through the binding's fetch. The
 * browser never holds an admin token: the binding is the authority.
 */
import type { DashboardEnv } from "./env.js";

/** AdminApi methods the browser may call. */
export const METHODS = new Set([
  "projects",
  "listStreams",
  "inspectStream",
  "metrics",
  "summary",
  "listSessions",
  "inspectSession",
  "readMessages",
  "createStream",
  "append",
  "subscribe",
  "unsubscribe",
  "getProject",
  "createProject",
  "updateProject",
  "addKey",
  "retireKey",
  "mintToken",
]);

const MAX_BODY = 1 << 20;
const err = (status: number, code: string, message: string) =>
  Response.json({ error: { code, message } }, { status, headers: { "cache-control": "no-store" } });

/** Answers an /api request (after the Access check). */
export async function handleApi(request: Request, env: DashboardEnv, url: URL): Promise<Response> {
  if (url.pathname.startsWith("/api/sse/")) {
    if (request.method !== "GET") return err(405, "method_not_allowed", "GET only");
    const target = new URL(url.pathname.replace("/api/sse/", "/v1/stream/") + url.search, "http://server");
    target.searchParams.set("live", "sse");
    // Last-Event-ID lets EventSource's reconnect resume where it was, not at "now".
    const headers = new Headers();
    const last = request.headers.get("last-event-id");
    if (last !== null) headers.set("last-event-id", last);
    return env.SERVER.fetch(new Request(target, { headers, signal: request.signal }));
  }
  const m = /^\/api\/rpc\/([A-Za-z]+)$/.exec(url.pathname);
  if (!m || !METHODS.has(m[1]!)) return err(404, "not_found", "No such API method");
  if (request.method !== "POST") return err(405, "method_not_allowed", "POST only");
  // A cross-site form cannot send JSON without a preflight, and the Origin must be ours.
  const origin = request.headers.get("origin");
  if (origin !== null && origin !== url.origin) return err(403, "forbidden", "Cross-origin API call");
  if (!(request.headers.get("content-type") ?? "").startsWith("application/json")) {
    return err(415, "unsupported_media_type", "Send application/json");
  }
  const text = await request.text();
  if (text.length > MAX_BODY) return err(413, "payload_too_large", "Body over 1 MiB");
  let args: unknown;
  try {
    args = (JSON.parse(text) as { args?: unknown }).args ?? [];
  } catch {
    return err(400, "invalid_json", "Body must be JSON");
  }
  if (!Array.isArray(args)) return err(400, "bad_request", "args must be an array");
  const server = env.SERVER as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  try {
    // Called on the stub itself: a method taken off an RPC stub is not callable on its own.
    const result = await server[m[1]!]!(...args);
    const r = result as { ok?: boolean; status?: number; code?: string; message?: string } | null;
    if (r && r.ok === false) return err(r.status ?? 400, r.code ?? "bad_request", r.message ?? "failed");
    return Response.json(result, { headers: { "cache-control": "no-store" } });
  } catch (e) {
    return err(502, "bad_gateway", e instanceof Error ? e.message : String(e));
  }
}
