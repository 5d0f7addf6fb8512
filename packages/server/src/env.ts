/**
 * Bindings and configuration. Vars are strings in wrangler; `readConfig`
 * validates them once and says which setting is wrong and how to fix it.
 */
import type { StreamDO } from "./do/stream-do.js";
import type { EstuaryDO } from "./estuary/estuary-do.js";
import type { RateLimitDO } from "./auth/rate-limit-do.js";
import type { FanoutMessage } from "./estuary/fanout.js";
import type { EstuaryConfig } from "./estuary/config.js";
import type { CatalogShardDO } from "./catalog/catalog-shard-do.js";
import type { MetricsDO } from "./metrics/metrics-do.js";
import type { SubscriptionDO } from "./subscriptions/subscription-do.js";

/** The Worker's environment (bindings + vars). */
export interface Env {
  STREAMS: DurableObjectNamespace<StreamDO>;
  LONG_POLL_TIMEOUT_MS?: string;
  SSE_CLOSE_AFTER_MS?: string;
  SSE_KEEPALIVE_MS?: string;
  FEED_LINGER_MS?: string;
  MAX_APPEND_BYTES?: string;
  MAX_APPEND_MESSAGES?: string;
  MAX_READ_BYTES?: string;
  DEFAULT_PROJECT_OPEN?: string;
  /** Project configs (`project:<name>` → JSON); see docs/auth.md. */
  PROJECTS?: KVNamespace;
  /** Root admin secret (`wrangler secret put ADMIN_TOKEN`): creates and manages projects. */
  ADMIN_TOKEN?: string;
  /** How long an edge isolate reuses a project's config (ms, default 30000); see projects/store.ts. */
  PROJECT_CACHE_TTL_MS?: string;
  /** Estuary sessions, one EstuaryDO each (docs/estuary.md). */
  ESTUARY: DurableObjectNamespace<EstuaryDO>;
  /** Queue for large estuary fan-outs; without it every fan-out is delivered inline. */
  FANOUT?: Queue<FanoutMessage>;
  /** Default estuary session lifetime without a refresh (seconds, default 86400). */
  ESTUARY_TTL_SECONDS?: string;
  /** Fan-outs to more pending sessions than this go through the queue (default 50). */
  ESTUARY_QUEUE_THRESHOLD?: string;
  /** Rate-limit buckets shared by all edge isolates (docs/auth.md); without it limits are per isolate. */
  RATE_LIMITS?: DurableObjectNamespace<RateLimitDO>;
  /** Estuary fan-out bounds (src/estuary/config.ts, docs/estuary.md). */
  ESTUARY_SUBREQUEST_BUDGET?: string;
  ESTUARY_CALL_TIMEOUT_MS?: string;
  ESTUARY_PARK_AFTER_MS?: string;
  ESTUARY_PARK_LAG_ROWS?: string;
  /** Test-only: exposes /v1/_debug routes. Never set in a deployment. */
  DEBUG_ENDPOINTS?: string;
  /** Cold storage: sealed segments (docs/server.md). Without it, streams stay in the hot log. */
  SEGMENTS?: R2Bucket;
  SEGMENT_MAX_BYTES?: string;
  SEGMENT_MAX_MESSAGES?: string;
  HOT_STORAGE_LIMIT_BYTES?: string;
  SEGMENT_HEAD_CACHE_MS?: string;
  /** How long a producer's append waits for the same producer's earlier one (ms, default 30000). */
  PRODUCER_TURN_TIMEOUT_MS?: string;
  /** Stream catalog shards (docs/admin.md); without the binding nothing is listed. */
  CATALOG?: DurableObjectNamespace<CatalogShardDO>;
  /** Per-project per-minute metrics (docs/admin.md); without the binding nothing is recorded. */
  METRICS?: DurableObjectNamespace<MetricsDO>;
  /** Optional Analytics Engine dataset also written with each metrics flush. */
  ANALYTICS?: AnalyticsEngineDataset;
  CATALOG_SHARDS?: string;
  CATALOG_STATS_INTERVAL_MS?: string;
  METRICS_FLUSH_MS?: string;
  CATALOG_ENABLED?: string;
  /** PROTOCOL.md §6–7 subscriptions (docs/subscriptions.md); without the binding the `__ds` routes are 501. */
  SUBSCRIPTIONS?: DurableObjectNamespace<SubscriptionDO>;
  /** Dev-only: "true" lets webhooks target loopback (http://localhost, 127.0.0.0/8, ::1). */
  SUBSCRIPTIONS_ALLOW_LOOPBACK?: string;
  /** The origin clients reach the server at, when a proxy in front rewrites Host (docs/server.md). */
  PUBLIC_URL?: string;
}

/** A setting that cannot work; its message names the setting and what to change. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Validated server configuration. */
export interface Config {
  readonly longPollTimeoutMs: number;
  readonly sseCloseAfterMs: number;
  readonly sseKeepAliveMs: number;
  /** How long a live feed outlives the request that opened it (below the 30 s waitUntil cap). */
  readonly feedLingerMs: number;
  readonly maxAppendBytes: number;
  /** JSON messages (array elements) one append may hold; more is 413. */
  readonly maxAppendMessages: number;
  readonly maxReadBytes: number;
  readonly defaultProjectOpen: boolean;
  /** The hot log is sealed into an R2 segment once it holds this many bytes... */
  readonly segmentMaxBytes: number;
  /** ...or this many messages (appends, for byte streams). */
  readonly segmentMaxMessages: number;
  /** Appends that would grow the Durable Object's database past this get 507. */
  readonly hotStorageLimitBytes: number;
  /** How long an edge isolate trusts a stream's segment head (ms); see cold/edge-reader.ts. */
  readonly segmentHeadCacheMs: number;
  /** How long a producer's append waits for its earlier ones (do/producer-turns.ts) before a 503. */
  readonly producerTurnTimeoutMs: number;
  /** Estuary sessions and fan-out (docs/estuary.md). */
  readonly estuary: EstuaryConfig;
  /** Webhooks may target loopback addresses (local development only). */
  readonly subscriptionsAllowLoopback: boolean;
  /** The origin (scheme://host[:port]) of the URLs the server writes, or null for the request's own. */
  readonly publicOrigin: string | null;
}

/** Reads an integer var, or throws a message that says which setting to fix. */
export function intVar(env: Env, name: keyof Env, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (typeof raw !== "string" || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(
      `Invalid ${name}="${String(raw)}": set it to an integer between ${min} and ${max} in wrangler.jsonc "vars"`,
    );
  }
  return n;
}

/** Reads a "true"/"false" var (absent: false), or throws a message that says which setting to fix. */
function boolVar(env: Env, name: keyof Env): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "" || raw === "false") return false;
  if (raw === "true") return true;
  throw new ConfigError(`Invalid ${name}="${String(raw)}": set it to "true" or "false" in wrangler.jsonc "vars"`);
}

/** An http(s) origin with nothing after it, or null when unset. */
function originVar(env: Env, name: keyof Env): string | null {
  const raw = env[name];
  if (raw === undefined || raw === "") return null;
  let url: URL | null = null;
  try {
    url = new URL(String(raw));
  } catch {
    // reported below
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.pathname !== "/" || url.search || url.hash || url.username) {
    throw new ConfigError(
      `Invalid ${name}="${String(raw)}": set it to the origin clients use, such as "https://streams.example.com" (scheme and host only), in wrangler.jsonc "vars"`,
    );
  }
  return url.origin;
}

const MiB = 1024 * 1024;
const cache = new WeakMap<Env, Config>();

/**
 * The memory budget (docs/server.md "Memory budget"): what one Durable Object
 * may use beyond the runtime's baseline, inside a 128 MB isolate that may
 * also hold other objects.
 */
export const OBJECT_MEMORY_BUDGET = 64 * MiB;
/** Peak memory of one append, per byte of body: the stored copy plus transport buffers in flight. */
export const APPEND_BYTES_FACTOR = 1.5;
/** Peak memory of one JSON message beyond its bytes (its view, row insert and fan-out entry). */
export const BYTES_PER_MESSAGE = 512;
/** The largest segment: a seal streams its rows, so this bounds seal time and index size, not memory. */
export const SEGMENT_MAX_BYTES_LIMIT = 64 * MiB;
/** Segment index entries are 4 bytes: this many messages keep one index (cached per isolate) at 1 MiB. */
export const SEGMENT_MAX_MESSAGES_LIMIT = 262_144;

/** Peak memory of one object with this configuration (the budget arithmetic of docs/server.md). */
export function objectPeakBytes(c: Config): number {
  const append = c.maxAppendBytes * APPEND_BYTES_FACTOR + c.maxAppendMessages * BYTES_PER_MESSAGE;
  // A read holds its chunk and the RPC copy of it; a seal holds about two rows in flight.
  return append + 2 * c.maxReadBytes + 2 * MiB;
}

/** Refuses a configuration whose peak does not fit the budget, saying what to change. */
function checkMemoryBudget(c: Config): void {
  if (c.segmentMaxBytes > SEGMENT_MAX_BYTES_LIMIT) {
    throw new ConfigError(
      `SEGMENT_MAX_BYTES=${c.segmentMaxBytes} is above ${SEGMENT_MAX_BYTES_LIMIT} (64 MiB): larger segments take too long to seal and drain after an R2 outage; lower it in wrangler.jsonc "vars"`,
    );
  }
  if (c.segmentMaxMessages > SEGMENT_MAX_MESSAGES_LIMIT) {
    throw new ConfigError(
      `SEGMENT_MAX_MESSAGES=${c.segmentMaxMessages} is above ${SEGMENT_MAX_MESSAGES_LIMIT}: a segment's message index would exceed 1 MiB in every isolate that reads it; lower it in wrangler.jsonc "vars"`,
    );
  }
  const peak = objectPeakBytes(c);
  if (peak > OBJECT_MEMORY_BUDGET) {
    const maxAppend = Math.floor(
      (OBJECT_MEMORY_BUDGET - 2 * c.maxReadBytes - 2 * MiB - c.maxAppendMessages * BYTES_PER_MESSAGE) /
        APPEND_BYTES_FACTOR,
    );
    throw new ConfigError(
      `MAX_APPEND_BYTES=${c.maxAppendBytes}, MAX_APPEND_MESSAGES=${c.maxAppendMessages} and MAX_READ_BYTES=${c.maxReadBytes} need about ${Math.ceil(peak / MiB)} MiB per object, above the ${OBJECT_MEMORY_BUDGET / MiB} MiB memory budget (docs/server.md "Memory budget"); lower MAX_APPEND_BYTES to at most ${Math.max(0, maxAppend)} (or lower the others) in wrangler.jsonc "vars"`,
    );
  }
}

/** Reads and validates the configuration from vars (memoised per env object). */
export function readConfig(env: Env): Config {
  const hit = cache.get(env);
  if (hit) return hit;
  const config: Config = {
    longPollTimeoutMs: intVar(env, "LONG_POLL_TIMEOUT_MS", 30_000, 100, 300_000),
    sseCloseAfterMs: intVar(env, "SSE_CLOSE_AFTER_MS", 60_000, 500, 3_600_000),
    sseKeepAliveMs: intVar(env, "SSE_KEEPALIVE_MS", 15_000, 100, 60_000),
    feedLingerMs: intVar(env, "FEED_LINGER_MS", 20_000, 0, 25_000),
    maxAppendBytes: intVar(env, "MAX_APPEND_BYTES", 32 * MiB, 1024, 64 * MiB),
    maxAppendMessages: intVar(env, "MAX_APPEND_MESSAGES", 10_000, 1, 1_000_000),
    maxReadBytes: intVar(env, "MAX_READ_BYTES", MiB, 1024, 8 * MiB),
    defaultProjectOpen: (env.DEFAULT_PROJECT_OPEN ?? "false").toLowerCase() === "true",
    segmentMaxBytes: intVar(env, "SEGMENT_MAX_BYTES", 16 * MiB, 1, 256 * MiB),
    segmentMaxMessages: intVar(env, "SEGMENT_MAX_MESSAGES", 100_000, 1, 1_000_000),
    hotStorageLimitBytes: intVar(env, "HOT_STORAGE_LIMIT_BYTES", 9 * 1024 ** 3, 64 * 1024, 10 * 1000 ** 3),
    segmentHeadCacheMs: intVar(env, "SEGMENT_HEAD_CACHE_MS", 5_000, 0, 300_000),
    producerTurnTimeoutMs: intVar(env, "PRODUCER_TURN_TIMEOUT_MS", 30_000, 100, 300_000),
    estuary: estuaryVars(env),
    subscriptionsAllowLoopback: boolVar(env, "SUBSCRIPTIONS_ALLOW_LOOPBACK"),
    publicOrigin: originVar(env, "PUBLIC_URL"),
  };
  checkMemoryBudget(config);
  cache.set(env, config);
  return config;
}

/** Longest estuary session lifetime a request may ask for (30 days). */
export const ESTUARY_MAX_TTL_SECONDS = 30 * 24 * 3600;

/** The estuary vars, validated with the rest (a bad one stops the Worker, not one fan-out). */
function estuaryVars(env: Env): EstuaryConfig {
  const config: EstuaryConfig = {
    ttlSeconds: intVar(env, "ESTUARY_TTL_SECONDS", 86_400, 1, ESTUARY_MAX_TTL_SECONDS),
    maxTtlSeconds: ESTUARY_MAX_TTL_SECONDS,
    queueThreshold: intVar(env, "ESTUARY_QUEUE_THRESHOLD", 50, 0, 1_000_000),
    // 1,000 is the free plan's per-invocation subrequest limit (paid plans: 10,000).
    subrequestBudget: intVar(env, "ESTUARY_SUBREQUEST_BUDGET", 1_000, 20, 10_000),
    callTimeoutMs: intVar(env, "ESTUARY_CALL_TIMEOUT_MS", 10_000, 100, 60_000),
    parkAfterMs: intVar(env, "ESTUARY_PARK_AFTER_MS", 10 * 60_000, 1_000, 7 * 24 * 3600_000),
    parkLagRows: intVar(env, "ESTUARY_PARK_LAG_ROWS", 10_000, 10, 1_000_000),
  };
  if (config.callTimeoutMs >= config.parkAfterMs) {
    throw new ConfigError(
      `ESTUARY_CALL_TIMEOUT_MS=${config.callTimeoutMs} is not below ESTUARY_PARK_AFTER_MS=${config.parkAfterMs}: a subscriber would be parked before one call to it could time out; lower ESTUARY_CALL_TIMEOUT_MS or raise ESTUARY_PARK_AFTER_MS in wrangler.jsonc "vars"`,
    );
  }
  return config;
}
