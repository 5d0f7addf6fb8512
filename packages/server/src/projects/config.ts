/**
 * A project's configuration as stored in KV, and its validation. Every read
 * and every admin write goes through `parseProjectConfig`, so a bad stored
 * value fails with a message naming the field instead of half-working.
 */
import { parseKey, type SigningKey } from "./keys.js";
import { parseProjectRetention } from "./retention-config.js";
import type { ProjectRetention } from "../do/retention-policy.js";

/** Who may use the project's stream routes without a token. */
export const ANONYMOUS_MODES = ["none", "read", "write"] as const;
export type AnonymousMode = (typeof ANONYMOUS_MODES)[number];

/** Per-project limits; 0 turns a rate limit off or uses the server's body limit. */
export interface ProjectLimits {
  /** Requests per minute to the project, per edge isolate. */
  readonly requestsPerMinute: number;
  /** Requests per minute per token (or per client address when anonymous), per edge isolate. */
  readonly tokenRequestsPerMinute: number;
  /** Largest PUT/POST body (bytes); never above the server's MAX_APPEND_BYTES. */
  readonly maxAppendBytes: number;
}

/** A validated project configuration. */
export interface ProjectConfig {
  readonly name: string;
  readonly anonymous: AnonymousMode;
  /** Browser origins allowed by CORS; `["*"]` allows any. */
  readonly corsOrigins: readonly string[];
  readonly keys: readonly SigningKey[];
  readonly limits: ProjectLimits;
  /** Retention defaults and caps of its streams (retention-config.ts); absent: none. */
  readonly retention?: ProjectRetention;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Limits of a project that does not set its own. */
export const DEFAULT_LIMITS: ProjectLimits = {
  requestsPerMinute: 60_000,
  tokenRequestsPerMinute: 12_000,
  maxAppendBytes: 0,
};

/** Project names, as in stream paths. */
export const PROJECT_NAME_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const MAX_KEYS = 16;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function limitsOf(raw: unknown): ProjectLimits | string {
  if (raw === undefined) return DEFAULT_LIMITS;
  if (!isObj(raw)) return "limits must be an object";
  const out: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(raw)) {
    if (!(k in DEFAULT_LIMITS)) return `limits.${k} is not a known limit (${Object.keys(DEFAULT_LIMITS).join(", ")})`;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 1e9) {
      return `limits.${k} must be an integer between 0 and 1000000000`;
    }
    out[k] = v;
  }
  return out as unknown as ProjectLimits;
}

function originsOf(raw: unknown): string[] | string {
  if (raw === undefined) return ["*"];
  if (!Array.isArray(raw) || raw.length > 64) return "corsOrigins must be a list of at most 64 origins";
  for (const o of raw) {
    if (o === "*") continue;
    let ok = false;
    try {
      ok = typeof o === "string" && new URL(o).origin === o;
    } catch {
      ok = false;
    }
    if (!ok)
      return `corsOrigins: "${String(o)}" is not an origin like https://app.example.com (no path or trailing slash)`;
  }
  return raw as string[];
}

/** Validates a stored or submitted configuration; a string says what is wrong. */
export function parseProjectConfig(raw: unknown): ProjectConfig | string {
  if (!isObj(raw)) return "project config must be a JSON object";
  const name = raw.name;
  if (typeof name !== "string" || !PROJECT_NAME_RE.test(name)) {
    return "name must be 1-63 characters of a-z, 0-9, '-' and '_', starting with a letter or digit";
  }
  const anonymous = raw.anonymous ?? "none";
  if (!ANONYMOUS_MODES.some((m) => m === anonymous)) return `anonymous must be one of ${ANONYMOUS_MODES.join(", ")}`;
  const corsOrigins = originsOf(raw.corsOrigins);
  if (typeof corsOrigins === "string") return corsOrigins;
  const limits = limitsOf(raw.limits);
  if (typeof limits === "string") return limits;
  const rawKeys = raw.keys ?? [];
  if (!Array.isArray(rawKeys) || rawKeys.length > MAX_KEYS) return `keys must be a list of at most ${MAX_KEYS} keys`;
  const keys: SigningKey[] = [];
  for (const [i, k] of rawKeys.entries()) {
    const key = parseKey(k);
    if (typeof key === "string") return `keys[${i}]: ${key}`;
    if (keys.some((x) => x.kid === key.kid)) return `keys[${i}]: kid "${key.kid}" is used twice`;
    keys.push(key);
  }
  const retention =
    raw.retention === undefined || raw.retention === null ? undefined : parseProjectRetention(raw.retention);
  if (typeof retention === "string") return retention;
  const createdAt = typeof raw.createdAt === "string" ? raw.createdAt : new Date(0).toISOString();
  const updatedAt = typeof raw.updatedAt === "string" ? raw.updatedAt : createdAt;
  const config = { name, anonymous: anonymous as AnonymousMode, corsOrigins, keys, limits, createdAt, updatedAt };
  return retention ? { ...config, retention } : config;
}

/** The configuration as admin routes show it: key material of HS256 keys left out. */
export function publicView(p: ProjectConfig): Obj {
  return {
    ...p,
    keys: p.keys.map((k) => (k.alg === "HS256" ? { kid: k.kid, alg: k.alg, createdAt: k.createdAt } : k)),
  };
}

/** True when reads need no token (responses may then be cached publicly). */
export function publicReads(p: ProjectConfig): boolean {
  return p.anonymous !== "none";
}
