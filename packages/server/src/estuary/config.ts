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
  /** Most subrequests one fan-out invocation (a drain, a queue batch) makes before it continues later. */
  readonly subrequestBudget: number;
  /** Longest a fan-out waits for one call (a session append, a source RPC, a queue send), in ms. */
  readonly callTimeoutMs: number;
  /** A subscriber failing for longer than this (ms) is parked. */
  readonly parkAfterMs: number;
  /** A subscriber more than this many outbox rows behind is parked. */
  readonly parkLagRows: number;
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
    // 1,000 is the free plan's per-invocation subrequest limit (paid plans: 10,000).
    subrequestBudget: intVar(env, "ESTUARY_SUBREQUEST_BUDGET", 1_000, 20, 10_000),
    callTimeoutMs: intVar(env, "ESTUARY_CALL_TIMEOUT_MS", 10_000, 100, 60_000),
    parkAfterMs: intVar(env, "ESTUARY_PARK_AFTER_MS", 10 * 60_000, 1_000, 7 * 24 * 3600_000),
    parkLagRows: intVar(env, "ESTUARY_PARK_LAG_ROWS", 10_000, 10, 1_000_000),
  };
  cache.set(env, config);
  return config;
}
