/**
 * Project configs in KV (`project:<name>`), cached per isolate for a short
 * TTL so the hot path costs no KV read. Writes go through the cache, so an
 * admin change is visible at once in the isolate that made it and within the
 * TTL (plus KV's own propagation) everywhere else.
 */
import { readConfig, type Env } from "../env.js";
import { HttpError, failure } from "../protocol/errors.js";
import { DEFAULT_LIMITS, parseProjectConfig, type ProjectConfig } from "./config.js";

const KEY_PREFIX = "project:";
/** Name of the project that single-segment stream paths belong to. */
export const DEFAULT_PROJECT_NAME = "default";
const MAX_CACHED = 1_000;

type Cached = { readonly at: number; readonly value: ProjectConfig | null | string };
const cache = new Map<string, Cached>();

function kv(env: Env): KVNamespace {
  if (!env.PROJECTS) {
    throw new HttpError(
      failure(503, "unavailable", 'Projects are not configured: bind a KV namespace as "PROJECTS" in wrangler.jsonc'),
    );
  }
  return env.PROJECTS;
}

function remember(name: string, value: Cached["value"]): void {
  cache.delete(name);
  cache.set(name, { at: Date.now(), value });
  // Map order is insertion order: drop the oldest entry when full.
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
}

/** PROJECT_CACHE_TTL_MS, validated: how long this isolate reuses a config. */
function cacheTtlMs(env: Env): number {
  const raw = env.PROJECT_CACHE_TTL_MS;
  if (raw === undefined || raw === "") return 30_000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 300_000) {
    throw new Error(
      `Invalid PROJECT_CACHE_TTL_MS="${raw}": set it to an integer between 0 and 300000 in wrangler.jsonc "vars"`,
    );
  }
  return n;
}

async function fetchStored(env: Env, name: string, fresh = false): Promise<Cached["value"]> {
  const ttl = cacheTtlMs(env);
  const hit = cache.get(name);
  if (!fresh && hit && Date.now() - hit.at < ttl) return hit.value;
  const raw = await kv(env).get(KEY_PREFIX + name, "json");
  const value = raw === null ? null : parseProjectConfig(raw);
  remember(name, value);
  return value;
}

/** The dev-only open default project: everything allowed without a token, no rate limits. */
function openDefault(stored: ProjectConfig | null): ProjectConfig {
  const now = new Date(0).toISOString();
  const limits = stored?.limits ?? { ...DEFAULT_LIMITS, requestsPerMinute: 0, tokenRequestsPerMinute: 0 };
  return {
    name: DEFAULT_PROJECT_NAME,
    corsOrigins: ["*"],
    keys: [],
    createdAt: now,
    updatedAt: now,
    ...stored,
    anonymous: "write",
    limits,
  };
}

/** A project's config, or 404 when it does not exist / 503 when its stored config is invalid. */
export async function loadProject(env: Env, name: string): Promise<ProjectConfig> {
  const open = name === DEFAULT_PROJECT_NAME && readConfig(env).defaultProjectOpen;
  const stored = open && !env.PROJECTS ? null : await fetchStored(env, name);
  if (typeof stored === "string") {
    console.error(JSON.stringify({ msg: "invalid project config", project: name, problem: stored }));
    throw new HttpError(
      failure(
        503,
        "unavailable",
        `Project "${name}" has an invalid stored configuration (${stored}); fix it with PATCH /v1/projects/${name}`,
      ),
    );
  }
  if (open) return openDefault(stored);
  if (stored === null) throw new HttpError(failure(404, "not_found", `Project "${name}" does not exist`));
  return stored;
}

/** The stored config read from KV now (null when absent): admin read-modify-write starts here. */
export async function loadStoredProject(env: Env, name: string): Promise<ProjectConfig | null> {
  const stored = await fetchStored(env, name, true);
  if (typeof stored === "string") {
    throw new HttpError(
      failure(503, "unavailable", `Project "${name}" has an invalid stored configuration (${stored})`),
    );
  }
  return stored;
}

/** Writes a project's config to KV and to this isolate's cache. */
export async function saveProject(env: Env, config: ProjectConfig): Promise<void> {
  await kv(env).put(KEY_PREFIX + config.name, JSON.stringify(config));
  remember(config.name, config);
}

/** Names of the stored projects (up to 1000). */
export async function listProjects(env: Env): Promise<string[]> {
  const page = await kv(env).list({ prefix: KEY_PREFIX, limit: 1000 });
  return page.keys.map((k) => k.name.slice(KEY_PREFIX.length));
}
