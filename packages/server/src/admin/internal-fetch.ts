/**
 * The dashboard's writes and stream reads go through the server's own HTTP
 * routes, called in-process with the root ADMIN_TOKEN as the authority: the
 * same validation, authorization, limits and metrics as any client, no second
 * copy of the route logic, and the token never leaves the server Worker.
 * Only stream, estuary and project paths are reachable this way.
 */
import { createApp } from "../edge/app.js";
import type { Env } from "../env.js";
import { failure, type Failure } from "../protocol/errors.js";

const ALLOWED = ["/v1/stream/", "/v1/estuary/", "/v1/projects/"];
const ORIGIN = "http://admin-api.internal";
let app: ReturnType<typeof createApp> | undefined;

/** A JSON answer of an internal call: the status and the parsed body (null when empty). */
export type JsonAnswer = { ok: true; status: number; body: unknown; headers: Record<string, string> } | Failure;

/** True when `path` may be called on the dashboard's behalf. */
export function allowedPath(path: string): boolean {
  return (path === "/v1/projects" || ALLOWED.some((p) => path.startsWith(p))) && !path.includes("/../");
}

/** Calls the server's routes with the root authority; a 503 Response when ADMIN_TOKEN is unset. */
export async function internalFetch(env: Env, ctx: ExecutionContext, request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (!allowedPath(url.pathname)) {
    return Response.json({ error: { code: "not_found", message: "Not an admin path" } }, { status: 404 });
  }
  if (!env.ADMIN_TOKEN) {
    const message = "The server has no ADMIN_TOKEN (wrangler secret put ADMIN_TOKEN); the dashboard acts with it";
    return Response.json({ error: { code: "unavailable", message } }, { status: 503 });
  }
  const headers = new Headers(request.headers);
  headers.set("authorization", `Bearer ${env.ADMIN_TOKEN}`);
  headers.delete("cookie");
  url.searchParams.delete("token");
  const inner = new Request(new URL(url.pathname + url.search, ORIGIN), {
    method: request.method,
    headers,
    body: request.body,
    signal: request.signal,
  });
  app ??= createApp();
  return app.fetch(inner, env, ctx);
}

/** An internal call with an optional body; JSON answers parsed, failures as `Failure`. */
export async function internalCall(
  env: Env,
  ctx: ExecutionContext,
  method: string,
  path: string,
  init: { body?: BodyInit; headers?: Record<string, string> } = {},
): Promise<JsonAnswer> {
  const res = await internalFetch(env, ctx, new Request(ORIGIN + path, { method, ...init }));
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    body = text;
  }
  if (res.status >= 400) {
    const e = (body as { error?: { code?: string; message?: string } } | null)?.error;
    return failure(res.status, (e?.code ?? "bad_request") as Failure["code"], e?.message ?? text.slice(0, 200));
  }
  return { ok: true, status: res.status, body, headers: Object.fromEntries(res.headers) };
}

/** `/v1/stream/:project/:name` with each name segment encoded. */
export function streamPath(project: string, name: string): string {
  return `/v1/stream/${encodeURIComponent(project)}/${name.split("/").map(encodeURIComponent).join("/")}`;
}
