/**
 * Project management for the dashboard (docs/auth.md): each operation is one
 * call of the `/v1/projects` route with the root authority (internal-fetch.ts),
 * so validation and "secrets appear only in the response that creates them"
 * hold unchanged.
 */
import type { Env } from "../env.js";
import { internalCall } from "./internal-fetch.js";

const json = (v: unknown) => ({ body: JSON.stringify(v ?? {}), headers: { "content-type": "application/json" } });
const base = (project: string) => `/v1/projects/${encodeURIComponent(project)}`;

const unwrap = <T extends object>(r: Awaited<ReturnType<typeof internalCall>>) =>
  r.ok ? { ok: true as const, status: r.status, ...(r.body as T) } : r;

/** A project's public settings (keys without secrets, CORS, anonymous access, limits). */
export async function getProject(env: Env, ctx: ExecutionContext, project: string) {
  return unwrap(await internalCall(env, ctx, "GET", base(project)));
}

/** Creates a project; the answer carries its first key's secret, once. */
export async function createProject(env: Env, ctx: ExecutionContext, settings: Record<string, unknown>) {
  return unwrap(await internalCall(env, ctx, "POST", "/v1/projects", json(settings)));
}

/** Updates settings: `anonymous`, `corsOrigins`, `limits` (partial). */
export async function updateProject(env: Env, ctx: ExecutionContext, project: string, patch: Record<string, unknown>) {
  return unwrap(await internalCall(env, ctx, "PATCH", base(project), json(patch)));
}

/** Adds a key (HS256 generated when no jwk is given); the answer carries a generated secret, once. */
export async function addKey(env: Env, ctx: ExecutionContext, project: string, key: Record<string, unknown> = {}) {
  return unwrap(await internalCall(env, ctx, "POST", `${base(project)}/keys`, json(key)));
}

/** Retires (removes) a key; the last key cannot be removed. */
export async function retireKey(env: Env, ctx: ExecutionContext, project: string, kid: string) {
  return unwrap(await internalCall(env, ctx, "DELETE", `${base(project)}/keys/${encodeURIComponent(kid)}`));
}

/** Mints a token for the project (`scope`, `streams`, `ttlSeconds`, `sub`, `kid`). */
export async function mintProjectToken(
  env: Env,
  ctx: ExecutionContext,
  project: string,
  request: Record<string, unknown>,
) {
  return unwrap(await internalCall(env, ctx, "POST", `${base(project)}/tokens`, json(request)));
}
