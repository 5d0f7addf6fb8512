/**
 * durable-streams-edge server: the edge Worker and the StreamDO class.
 * A deployment's entry re-exports both.
 */
import { createApp } from "./edge/app.js";
import type { Env } from "./env.js";

export { StreamDO } from "./do/stream-do.js";
export type { Env } from "./env.js";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
