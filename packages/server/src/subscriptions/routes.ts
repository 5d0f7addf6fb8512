/**
 * The reserved `__ds` routes (PROTOCOL.md §6–7) under `/v1/stream/__ds/...`
 * (default project) and `/v1/stream/:project/__ds/...`, handled before any
 * stream operation. Control routes need the project-wide scope of the
 * streams a subscription covers (read for GET, write otherwise; tokens
 * limited to stream paths cannot use them); callback / ack / release carry
 * the wake's own token instead; the JWKS is public.
 */
import type { Context, MiddlewareHandler } from "hono";
import { authorize } from "../edge/auth-middleware.js";
import { DEFAULT_PROJECT, STREAM_PREFIX } from "../edge/paths.js";
import { readConfig, type Env } from "../env.js";
import { publicUrlOf } from "../edge/public-url.js";
import { HttpError, failure } from "../protocol/errors.js";
import { PROJECT_NAME_RE } from "../projects/config.js";
import { findProject } from "../projects/store.js";
import { configHash, parseConfig, parseStreams, pathProblem, validId } from "./config.js";
import { registryStub, subscriptionStub } from "./names.js";
import { coveredPattern, coveredStream, registryParts } from "./scope.js";
import type { Reply } from "./subscription.js";

type Ctx = Context<{ Bindings: Env }>;

const MAX_BODY = 64 * 1024;

/** Where a `__ds` request points: project, stream root URL and the segments after `__ds`. */
function locate(c: Ctx): { project: string; root: string; rest: string[] } | null {
  // Most requests are stream requests: no `__ds` anywhere in the URL, nothing to parse.
  if (!c.req.url.includes("__ds")) return null;
  const url = publicUrlOf(c.req.url, readConfig(c.env).publicOrigin);
  const segs = url.pathname.slice(STREAM_PREFIX.length).split("/");
  const base = `${url.origin}${STREAM_PREFIX}`;
  if (segs[0] === "__ds") return { project: DEFAULT_PROJECT, root: base, rest: segs.slice(1) };
  if (segs[1] === "__ds" && segs[0] !== undefined) {
    if (!PROJECT_NAME_RE.test(segs[0])) throw bad("Project names are 1-63 characters of a-z, 0-9, '-' and '_'");
    return { project: segs[0], root: `${base}${segs[0]}/`, rest: segs.slice(2) };
  }
  return null;
}

function bad(message: string, code: "bad_request" | "invalid_json" = "bad_request"): HttpError {
  return new HttpError(failure(400, code, message));
}

async function jsonBody(c: Ctx): Promise<unknown> {
  const text = await c.req.text();
  if (text.length > MAX_BODY) throw new HttpError(failure(413, "payload_too_large", "Bodies are at most 64 KiB"));
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw bad("The body is not valid JSON", "invalid_json");
  }
}

function reply(c: Ctx, r: Reply): Response {
  const headers = { "cache-control": "no-store" };
  return r.body === undefined ? c.body(null, r.status as 204, headers) : c.json(r.body, r.status as 200, headers);
}

function bearer(c: Ctx): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
  return m ? m[1]! : null;
}

function decode(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    throw bad("Malformed percent-encoding");
  }
}

/**
 * Checks that the paths stay inside projects and that the caller may read every
 * covered project's streams (and write the wake stream): a subscription sees what
 * its streams' readers see.
 */
async function authorizeCovered(
  c: Ctx,
  project: string,
  config: { pattern: string | null; streams: readonly string[]; wakeStream: string | null },
): Promise<void> {
  if (config.pattern !== null) {
    const cp = coveredPattern(project, config.pattern);
    if (typeof cp === "string") throw bad(cp);
  }
  for (const path of [...config.streams, ...(config.wakeStream ? [config.wakeStream] : [])]) {
    const cs = coveredStream(project, path);
    if (typeof cs === "string") throw bad(cs);
  }
  for (const p of registryParts(project, config).keys()) {
    if (p !== project) await authorize(c, p, "read", null);
  }
  if (config.wakeStream !== null) {
    const w = coveredStream(project, config.wakeStream) as { project: string };
    await authorize(c, w.project, "write", null);
  }
}

/** The middleware that answers every `__ds` request and passes the rest on. */
export function subscriptionRoutes(): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    const at = locate(c);
    if (!at) return next();
    if (!c.env.SUBSCRIPTIONS) {
      throw new HttpError(failure(501, "unavailable", "Subscriptions are not configured (SUBSCRIPTIONS binding)"));
    }
    return route(c, at.project, at.root, at.rest);
  };
}

async function route(c: Ctx, project: string, root: string, rest: string[]): Promise<Response> {
  const method = c.req.method;
  const env = c.env;
  if (rest.length === 1 && rest[0] === "jwks.json" && (method === "GET" || method === "HEAD")) {
    if (!(await findProject(env, project))) throw new HttpError(failure(404, "not_found", "No such project"));
    const jwks = await registryStub(env, project).regJwks();
    return c.body(JSON.stringify(jwks), 200, {
      "content-type": "application/jwk-set+json",
      "cache-control": "public, max-age=300",
    });
  }
  if (rest.length === 2 && rest[0] === "keys" && rest[1] === "rotate" && method === "POST") {
    // A new active signing key now; the old one stays published for a day (keys.ts).
    await authorize(c, project, "manage", null);
    return c.json({ kid: await registryStub(env, project).regRotate() }, 200, { "cache-control": "no-store" });
  }
  if (rest[0] !== "subscriptions" || rest[1] === undefined) {
    throw new HttpError(failure(404, "not_found", "No such subscription API"));
  }
  const id = decode(rest[1]);
  if (!validId(id)) throw bad("Subscription ids are 1-128 characters of A-Z, a-z, 0-9, '.', '_', '~' and '-'");
  const sub = subscriptionStub(env, project, id);
  const action = rest.slice(2);
  const one = action.length === 1 ? action[0] : undefined;
  // The wake's own token authorizes these; the object checks it and fences stale ones.
  if (method === "POST" && (one === "callback" || one === "ack")) {
    return reply(c, await sub.ack(bearer(c), await jsonBody(c), one === "callback" ? "webhook" : "pull-wake"));
  }
  if (method === "POST" && one === "release") return reply(c, await sub.release(bearer(c), await jsonBody(c)));

  await authorize(c, project, method === "GET" || method === "HEAD" ? "read" : "write", null);
  if (action.length === 0) {
    if (method === "GET" || method === "HEAD") return reply(c, await sub.get());
    if (method === "DELETE") return reply(c, await sub.remove());
    if (method === "PUT") {
      const config = parseConfig(await jsonBody(c), readConfig(env).subscriptionsAllowLoopback);
      if ("code" in config) throw new HttpError(failure(400, config.code, config.message));
      await authorizeCovered(c, project, config);
      return reply(c, await sub.put(project, id, config, await configHash(config), root));
    }
  } else if (one === "claim" && method === "POST") {
    const body = (await jsonBody(c)) as { worker?: unknown } | null;
    const worker = body?.worker;
    if (typeof worker !== "string" || worker.length === 0 || worker.length > 256) {
      throw bad('"worker" must be a string of 1-256 characters');
    }
    return reply(c, await sub.claim(worker));
  } else if (one === "streams" && method === "POST") {
    const streams = parseStreams(((await jsonBody(c)) as { streams?: unknown } | null)?.streams);
    if (!Array.isArray(streams) || streams.length === 0) {
      throw bad(Array.isArray(streams) ? '"streams" must not be empty' : streams.message);
    }
    await authorizeCovered(c, project, { pattern: null, streams, wakeStream: null });
    return reply(c, await sub.addStreams(streams));
  } else if (action[0] === "streams" && action.length > 1 && method === "DELETE") {
    const path = action.slice(1).map(decode).join("/");
    const problem = pathProblem(path);
    if (problem) throw bad(problem);
    return reply(c, await sub.removeStream(path));
  }
  throw new HttpError(failure(405, "method_not_allowed", `${method} is not supported on this subscription path`));
}
