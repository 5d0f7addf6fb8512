/**
 * Project configs in KV (`project:<name>`), cached per isolate for a short
 * TTL so the hot path costs no KV read. Writes go through the cache, so an
 * admin change is visible at once in the isolate that made it and within the
 * TTL (plus KV's own propagation) everywhere else. Names that are not valid
 * project names never reach KV; absent projects are remembered in a separate,
 * bounded negative cache with a short TTL, so a flood of made-up names costs
 * no KV reads and cannot evict real projects from the positive cache.
 */
import { readConfig, type Env } from "../env.js";
import { HttpError, failure } from "../protocol/errors.js";
import { DEFAULT_LIMITS, PROJECT_NAME_RE, parseProjectConfig, type ProjectConfig } from "./config.js";

const KEY_PREFIX = "project:";
/** Name of the project that single-segment stream paths belong to. */
export const DEFAULT_PROJECT_NAME = "default";
const MAX_CACHED = 1_000;
/** Bound and longest TTL of the negative cache (absent projects). */
const MAX_MISSING = 1_000;
const MISSING_TTL_MS = 5_000;

type Cached = { readonly at: number; readonly value: ProjectConfig | string };
const cache = new Map<string, Cached>();
const missing = new Map<string, number>();

function kv(env: Env): KVNamespace {
  if (!env.PROJECTS) {
    throw new HttpError(
      failure(503, "unavailable", 'Projects are not configured: bind a KV namespace as "PROJECTS" in wrangler.jsonc'),
    );
  }
  return env.PROJECTS;
}

function remember(name: string, value: Cached["value"] | null): void {
  cache.delete(name);
  missing.delete(name);
  if (value === null) {
    missing.set(name, Date.now());
    if (missing.size > MAX_MISSING) missing.delete(missing.keys().next().value!);
    return;
  }
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

async function fetchStored(env: Env, name: string, fresh = false): Promise<Cached["value"] | null> {
  if (!PROJECT_NAME_RE.test(name)) return null;
  const ttl = cacheTtlMs(env);
  const hit = cache.get(name);
  if (!fresh && hit && Date.now() - hit.at < ttl) return hit.value;
  const missAt = missing.get(name);
  if (!fresh && missAt !== undefined && Date.now() - missAt < Math.min(ttl, MISSING_TTL_MS)) return null;
  const raw = await kv(env).get(KEY_PREFIX + name, "json");
  const value = raw === null ? null : parseProjectConfig(raw);
  remember(name, value);
  return value;
}

/** openDefault's answer for each stored config (built once: every request of the open default project asks). */
const opened = new WeakMap<ProjectConfig, ProjectConfig>();
let openedBare: ProjectConfig | null = null;

/** The dev-only open default project: everything allowed without a token, no rate limits. */
function openDefault(stored: ProjectConfig | null): ProjectConfig {
  const hit = stored === null ? openedBare : opened.get(stored);
  if (hit) return hit;
  const value = buildOpenDefault(stored);
  if (stored === null) openedBare = value;
  else opened.set(stored, value);
  return value;
}

function buildOpenDefault(stored: ProjectConfig | null): ProjectConfig {
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

/** A project's config, or null when it does not exist; 503 when its stored config is invalid. */
export async function findProject(env: Env, name: string): Promise<ProjectConfig | null> {
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
  return stored;
}

/** A project's config, or 404 when it does not exist / 503 when its stored config is invalid. */
export async function loadProject(env: Env, name: string): Promise<ProjectConfig> {
  const found = await findProject(env, name);
  if (found === null) throw notFound(name);
  return found;
}

/** The 404 for a project that does not exist (only shown to callers who may know). */
export function notFound(name: string): HttpError {
  return new HttpError(failure(404, "not_found", `Project "${name}" does not exist`));
}

/**
 * What an unknown project looks like to a caller before authentication: no
 * keys and no anonymous access, so it answers exactly like an existing
 * private project (401), and project names cannot be enumerated.
 */
export function unknownProject(name: string): ProjectConfig {
  const at = new Date(0).toISOString();
  return {
    name,
    anonymous: "none",
    corsOrigins: ["*"],
    keys: [],
    limits: DEFAULT_LIMITS,
    createdAt: at,
    updatedAt: at,
  };
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
