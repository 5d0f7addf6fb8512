/**
 * Who may use the admin routes: the root ADMIN_TOKEN (every route), or an
 * unrestricted manage-scope token of the project the route names. Tokens are
 * taken from the Authorization header only.
 */
import type { Context } from "hono";
import { decodeJwt } from "jose";
import { credentialOf, TOKEN_PARAM } from "../auth/credentials.js";
import { authenticate, requireAccess, unauthorized, type Principal } from "../auth/principal.js";
import { isRootToken } from "../auth/root-admin.js";
import { verifyToken } from "../auth/verify.js";
import type { Env } from "../env.js";
import { HttpError, failure } from "../protocol/errors.js";
import type { ProjectConfig } from "../projects/config.js";
import { loadStoredProject } from "../projects/store.js";
import { enforceRateLimits } from "./rate-limits.js";

type Ctx = Context<{ Bindings: Env }>;

async function bearerOf(c: Ctx): Promise<{ token: string; root: boolean }> {
  if (new URL(c.req.url).searchParams.has(TOKEN_PARAM))
    unauthorized("Admin routes take the token in Authorization only");
  const cred = credentialOf(c.req.raw);
  if (cred.kind === "none") unauthorized("Admin routes need Authorization: Bearer <ADMIN_TOKEN or a manage token>");
  if (cred.kind === "malformed") unauthorized(cred.reason);
  return { token: cred.token, root: await isRootToken(c.env.ADMIN_TOKEN, cred.token) };
}

/** Throws unless the caller holds the root ADMIN_TOKEN: 403 for a valid project token, else 401. */
export async function requireRoot(c: Ctx): Promise<void> {
  const { token, root } = await bearerOf(c);
  if (root) return;
  let aud: unknown;
  try {
    aud = decodeJwt(token).aud;
  } catch {
    unauthorized("Token is neither the ADMIN_TOKEN nor a JWT");
  }
  const name = typeof aud === "string" && aud.startsWith("ds:") ? aud.slice(3) : null;
  const project = name === null ? null : await loadStoredProject(c.env, name).catch(() => null);
  if (project && !("ok" in (await verifyToken(token, project)))) {
    throw new HttpError(failure(403, "forbidden", "This route needs the root ADMIN_TOKEN"));
  }
  unauthorized("Token is not the ADMIN_TOKEN");
}

/** Authorizes a project admin route; returns the stored project (404 when absent). */
export async function requireManage(c: Ctx, name: string): Promise<{ project: ProjectConfig; principal: Principal }> {
  const { root } = await bearerOf(c);
  const project = await loadStoredProject(c.env, name);
  if (project === null) throw new HttpError(failure(404, "not_found", `Project "${name}" does not exist`));
  if (root) return { project, principal: { kind: "root" } };
  enforceRateLimits(c, project, null);
  const principal = await authenticate(c.req.raw, project);
  // Stream-restricted tokens are refused here: admin operations are project-wide.
  requireAccess(principal, project, "manage", null);
  return { project, principal };
}

/**
 * Authorizes an admin read of a project: the root ADMIN_TOKEN reaches every
 * project name (stored or not, like the open default project of local dev);
 * a manage token only its own stored project.
 */
export async function requireProjectRead(c: Ctx, name: string): Promise<void> {
  const { root } = await bearerOf(c);
  if (!root) await requireManage(c, name);
}
