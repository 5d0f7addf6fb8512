/** Estuary settings from vars, validated once per env object. */
import { intVar, type Env } from "../env.js";

/** Validated estuary configuration. */
export interface EstuaryConfig {
  /** Session lifetime when a request names none (seconds). */
  readonly ttlSeconds: number;
  /** Longest lifetime a request may ask for (seconds). */
  readonly maxTtlSeconds: number;
  /** Fan-outs to more pending sessions than this go through the queue. */
  readonly queueThreshold: number;
}

/** Most sources one session may subscribe to. */
export const MAX_SUBSCRIPTIONS = 1_000;
const MAX_TTL_SECONDS = 30 * 24 * 3600;

const cache = new WeakMap<Env, EstuaryConfig>();

/** Reads and validates the estuary configuration. */
export function readEstuaryConfig(env: Env): EstuaryConfig {
  const hit = cache.get(env);
  if (hit) return hit;
  const config: EstuaryConfig = {
    ttlSeconds: intVar(env, "ESTUARY_TTL_SECONDS", 86_400, 1, MAX_TTL_SECONDS),
    maxTtlSeconds: MAX_TTL_SECONDS,
    queueThreshold: intVar(env, "ESTUARY_QUEUE_THRESHOLD", 50, 0, 1_000_000),
  };
  cache.set(env, config);
  return config;
}
