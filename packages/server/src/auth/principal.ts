/**
 * Who is calling, and what they may do on a project. Authentication turns a
 * request's credential into a principal (or a 401); `requireAccess` checks a
 * principal against a needed scope and stream name (or a 403). Every route —
 * streams, forks, subscriptions, estuary, admin — goes through both.
 */
import { HttpError, failure } from "../protocol/errors.js";
import type { ProjectConfig } from "../projects/config.js";
import { scopeAllows, type Scope } from "./claims.js";
import { credentialOf } from "./credentials.js";
import { isRootToken } from "./root-admin.js";
import { streamAllowed } from "./patterns.js";
import { verifyToken, type TokenGrant } from "./verify.js";

/** An authenticated caller. */
export type Principal =
  | { readonly kind: "anonymous" }
  | { readonly kind: "root" }
  | { readonly kind: "token"; readonly grant: TokenGrant; readonly token: string };

const CHALLENGE = { "www-authenticate": 'Bearer realm="durable-streams"' };

/** Throws the 401 for a request that brought no usable credential. */
export function unauthorized(message: string): never {
  throw new HttpError(failure(401, "unauthorized", message, CHALLENGE));
}

const QUERY_READ_ONLY =
  "A token in the ?token= query parameter may carry read scope only (URLs reach access logs); " +
  "send write and manage tokens in Authorization: Bearer";

/** A JWT is three dot-separated parts; the ADMIN_TOKEN is compared only when a token is not one. */
const JWT_SHAPE = /^[^.]+\.[^.]+\.[^.]*$/;

/**
 * Authenticates the request's credential: the root ADMIN_TOKEN (`adminToken`,
 * Authorization header only) or a token signed by one of the project's keys;
 * anonymous when it has none. A `?token=` query credential may carry read
 * scope only, because query strings end up in access logs.
 */
export async function authenticate(req: Request, project: ProjectConfig, adminToken?: string): Promise<Principal> {
  const cred = credentialOf(req);
  if (cred.kind === "none") return { kind: "anonymous" };
  if (cred.kind === "malformed") unauthorized(cred.reason);
  const shapedLikeJwt = JWT_SHAPE.test(cred.token);
  // A too-short ADMIN_TOKEN is a 503 on admin routes; here it only means no root access, never a 5xx.
  if (!shapedLikeJwt && (await isRootToken(adminToken, cred.token).catch(() => false))) {
    if (cred.via === "query") unauthorized(QUERY_READ_ONLY);
    return { kind: "root" };
  }
  const grant = await verifyToken(cred.token, project);
  if ("ok" in grant) throw new HttpError(grant);
  if (cred.via === "query" && grant.scope !== "read") unauthorized(QUERY_READ_ONLY);
  return { kind: "token", grant, token: cred.token };
}

/** The scope a principal holds on a project; null for none. */
export function scopeOf(p: Principal, project: ProjectConfig): Scope | null {
  if (p.kind === "root") return "manage";
  if (p.kind === "token") return p.grant.scope;
  return project.anonymous === "none" ? null : project.anonymous;
}

/**
 * Throws 401/403 unless the principal may do what needs `need` on the stream
 * `streamName` (null for a project-wide operation, which a path-restricted
 * token never reaches).
 */
export function requireAccess(p: Principal, project: ProjectConfig, need: Scope, streamName: string | null): void {
  const have = scopeOf(p, project);
  if (have === null || (p.kind === "anonymous" && !scopeAllows(have, need))) {
    unauthorized(`This request needs a token with ${need} scope for project "${project.name}"`);
  }
  if (!scopeAllows(have, need)) {
    throw new HttpError(failure(403, "forbidden", `Token scope "${have}" does not allow this; it needs "${need}"`));
  }
  if (p.kind !== "token" || p.grant.streams === null) return;
  if (streamName === null) {
    throw new HttpError(failure(403, "forbidden", "A token limited to stream paths cannot use project-wide routes"));
  }
  if (!streamAllowed(p.grant.streams, streamName)) {
    throw new HttpError(
      failure(403, "forbidden", `Token does not reach stream "${streamName}" (limited to its "streams" patterns)`),
    );
  }
}
