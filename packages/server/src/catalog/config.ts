/** Catalog and metrics settings (wrangler.jsonc vars), validated once per env. */
import { ConfigError, intVar, type Env } from "../env.js";

/** Validated catalog and metrics configuration. */
export interface CatalogConfig {
  /** Catalog shards per project; fixed for a deployment (changing it re-homes every entry). */
  readonly shards: number;
  /** A stream reports its stats to the catalog at most this often (ms). */
  readonly statsIntervalMs: number;
  /** An edge isolate flushes its metrics to the project's MetricsDO at most this often (ms). */
  readonly metricsFlushMs: number;
  /** False only for a benchmark baseline: no catalog reports and no durable metrics. */
  readonly enabled: boolean;
}

function enabledVar(env: Env): boolean {
  const raw = (env.CATALOG_ENABLED ?? "true").toLowerCase();
  if (raw !== "true" && raw !== "false") {
    throw new ConfigError(
      `Invalid CATALOG_ENABLED="${raw}": set it to "true" (or "false" for a benchmark baseline only)`,
    );
  }
  return raw === "true";
}

const cache = new WeakMap<Env, CatalogConfig>();

/** Reads CATALOG_SHARDS, CATALOG_STATS_INTERVAL_MS, METRICS_FLUSH_MS and CATALOG_ENABLED. */
export function readCatalogConfig(env: Env): CatalogConfig {
  const hit = cache.get(env);
  if (hit) return hit;
  const config = {
    shards: intVar(env, "CATALOG_SHARDS", 16, 1, 256),
    statsIntervalMs: intVar(env, "CATALOG_STATS_INTERVAL_MS", 10_000, 100, 600_000),
    metricsFlushMs: intVar(env, "METRICS_FLUSH_MS", 10_000, 100, 60_000),
    enabled: enabledVar(env),
  };
  cache.set(env, config);
  return config;
}
