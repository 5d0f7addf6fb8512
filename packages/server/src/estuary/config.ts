/** Estuary settings: validated by readConfig (src/env.ts) with the rest of the vars. */
import { readConfig, type Env } from "../env.js";

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

/** The validated estuary configuration (memoised with readConfig). */
export function readEstuaryConfig(env: Env): EstuaryConfig {
  return readConfig(env).estuary;
}
