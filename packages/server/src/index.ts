/**
 * durable-streams-edge server: the edge Worker and the StreamDO class.
 * A deployment's entry re-exports both.
 */
import { createApp } from "./edge/app.js";
import type { Env } from "./env.js";
import { consumeFanout } from "./estuary/queue-consumer.js";
import type { FanoutMessage } from "./estuary/fanout.js";

export { StreamDO } from "./do/stream-do.js";
export { EstuaryDO } from "./estuary/estuary-do.js";
export { RateLimitDO } from "./auth/rate-limit-do.js";
export { CatalogShardDO } from "./catalog/catalog-shard-do.js";
export { MetricsDO } from "./metrics/metrics-do.js";
export { SubscriptionDO } from "./subscriptions/subscription-do.js";
export { AdminApi } from "./admin/admin-api.js";
export type { Env } from "./env.js";
export { mintToken, type MintKey, type MintOptions } from "./auth/mint.js";
export type { Scope } from "./auth/claims.js";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  queue: (batch, env) => consumeFanout(batch, env),
} satisfies ExportedHandler<Env, FanoutMessage>;
