/**
 * Per-project CORS origins. A stream route's project decides which browser
 * origins may read its responses; routes without a project (health, admin
 * listing) and requests that will fail anyway (bad path, unknown project)
 * keep the permissive default so browsers can read the JSON error.
 */
import type { Env } from "../env.js";
import { loadProject } from "../projects/store.js";
import { STREAM_PREFIX } from "./paths.js";
import { resolveTarget } from "./targets.js";

/** True when `origin` may call this request's route. */
export async function originAllowed(env: Env, pathname: string, origin: string): Promise<boolean> {
  if (!pathname.startsWith(STREAM_PREFIX)) return true;
  const target = resolveTarget(pathname);
  if ("ok" in target) return true;
  try {
    const { corsOrigins } = await loadProject(env, target.project);
    return corsOrigins.includes("*") || corsOrigins.includes(origin);
  } catch {
    return true;
  }
}
