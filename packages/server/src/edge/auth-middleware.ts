/**
 * Authentication, authorization and limits for stream routes, run before any
 * handler: the caller must hold the scope the method needs on that stream
 * (401/403; an unknown project is a 401 too, and a 404 only for the root
 * ADMIN_TOKEN, so names cannot be probed), a fork's source must be readable,
 * rate and body limits apply (429/413). The `token` query parameter is
 * stripped before handlers, Durable Objects or cache keys see the URL.
 */
import type { Context, MiddlewareHandler } from "hono";
import { scopeForMethod, type Scope } from "../auth/claims.js";
import { withoutTokenParam } from "../auth/credentials.js";
import { authenticate, requireAccess, type Principal } from "../auth/principal.js";
import { readConfig, type Env } from "../env.js";
import { HttpError } from "../protocol/errors.js";
import { H } from "../protocol/headers.js";
import { publicReads, type ProjectConfig } from "../projects/config.js";
import { findProject, notFound, unknownProject } from "../projects/store.js";
import { enforceRateLimits } from "./rate-limits.js";
import { limitBody } from "./body-limit.js";
import { parseForkSource } from "./paths.js";
import { resolveTarget } from "./targets.js";
import { requestUrl } from "./request-url.js";

type Ctx = Context<{ Bindings: Env }>;

/** A request's project and authenticated caller. */
export interface Access {
  readonly project: ProjectConfig;
  readonly principal: Principal;
}

const accessByContext = new WeakMap<object, Access>();

/**
 * Authorizes the request for `need` on a project and, when given, a stream
 * name (null: a project-wide operation such as a subscription or an estuary
 * session). Throws 401/403/404/429. Estuary routes call this directly.
 */
export async function authorize(c: Ctx, projectName: string, need: Scope, streamName: string | null): Promise<Access> {
  const known = accessByContext.get(c);
  if (known && known.project.name === projectName) {
    requireAccess(known.principal, known.project, need, streamName);
    return known;
  }
  const found = await findProject(c.env, projectName);
  // An unknown project answers like a private one until the caller proves it may know (root): 401, not 404.
  // It has no rate-limit buckets: made-up names must cost nothing (the negative cache spares the KV read).
  const project = found ?? unknownProject(projectName);
  if (found) enforceRateLimits(c, project, null);
  // The root ADMIN_TOKEN manages every project, so it may use any stream or session (docs/auth.md).
  const principal = await authenticate(c.req.raw, project, c.env.ADMIN_TOKEN);
  if (found) enforceRateLimits(c, project, principal);
  requireAccess(principal, project, need, streamName);
  if (!found) throw notFound(projectName);
  const access = { project, principal };
  accessByContext.set(c, access);
  return access;
}

/** The request's authorized project and caller, once `authorize` accepted it (metrics read it). */
export function accessOf(c: Ctx): Access | undefined {
  return accessByContext.get(c);
}

/** True when the request's stream may be cached publicly (its project allows anonymous reads). */
export function isPublicRequest(c: Ctx): boolean {
  const access = accessByContext.get(c);
  return access !== undefined && publicReads(access.project);
}

/** A fork PUT also needs read on its source (same project; other sources are the handler's 400). */
function checkForkSource(c: Ctx, project: string): Promise<Access> | undefined {
  const from = c.req.header(H.streamForkedFrom);
  if (from === undefined) return undefined;
  const source = parseForkSource(from, c.req.url);
  if ("ok" in source || source.project !== project) return undefined;
  return authorize(c, project, "read", source.name);
}

/** Responses of a private project's streams: never `public`, and keyed by Authorization. */
function keepPrivate(c: Ctx): void {
  const cc = c.res.headers.get(H.cacheControl);
  if (cc === null || cc.includes("no-store")) return;
  const apply = (h: Headers) => {
    h.set(H.cacheControl, cc.replace(/\bpublic\b/g, "private"));
    h.append("vary", "Authorization");
  };
  try {
    apply(c.res.headers);
  } catch {
    c.res = new Response(c.res.body, c.res);
    apply(c.res.headers);
  }
}

/** The middleware for `/v1/stream/*`. */
export function streamAuth(): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    const target = resolveTarget(requestUrl(c.req.raw).pathname);
    if ("ok" in target) throw new HttpError(target);
    const access = await authorize(c, target.project, scopeForMethod(c.req.method), target.name);
    if (c.req.method === "PUT") await checkForkSource(c, target.project);
    await limitBody(c, access.project, readConfig(c.env).maxAppendBytes);
    c.req.raw = withoutTokenParam(c.req.raw);
    await next();
    if (!publicReads(access.project)) keepPrivate(c);
  };
}
