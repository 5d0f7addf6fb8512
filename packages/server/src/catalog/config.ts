/** Catalog and metrics settings (wrangler.jsonc vars), validated once per env. */
import { intVar, type Env } from "../env.js";

/** Validated catalog and metrics configuration. */
export interface CatalogConfig {
  /** Catalog shards per project; fixed for a deployment (changing it re-homes every entry). */
  readonly shards: number;
  /** A stream reports its stats to the catalog at most this often (ms). */
  readonly statsIntervalMs: number;
  /** An edge isolate flushes its metrics to the project's MetricsDO at most this often (ms). */
  readonly metricsFlushMs: number;
}

const cache = new WeakMap<Env, CatalogConfig>();

/** Reads CATALOG_SHARDS, CATALOG_STATS_INTERVAL_MS and METRICS_FLUSH_MS. */
export function readCatalogConfig(env: Env): CatalogConfig {
  const hit = cache.get(env);
  if (hit) return hit;
  const config = {
    shards: intVar(env, "CATALOG_SHARDS", 16, 1, 256),
    statsIntervalMs: intVar(env, "CATALOG_STATS_INTERVAL_MS", 10_000, 100, 600_000),
    metricsFlushMs: intVar(env, "METRICS_FLUSH_MS", 10_000, 100, 60_000),
  };
  cache.set(env, config);
  return config;
}
