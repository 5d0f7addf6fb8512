/**
 * Step 3: the KV namespace, R2 bucket and queues the server binds, found or
 * created in the chosen account. Local mode creates nothing: `wrangler dev`
 * simulates them in the state directory.
 */
import { localResources, planResources, provision as provisionAll } from "../resources.js";
import type { Phase } from "../setup-context.js";

/** The provision phase. */
export const provision: Phase = {
  title: "Provision KV, R2 and Queues",
  async run(ctx) {
    if (ctx.local) {
      ctx.resources = localResources(ctx.server.config, ctx.worker);
      ctx.ui.info(`Local mode: wrangler dev simulates KV, R2 and Queues under ${ctx.stateDir}; nothing to create`);
      return;
    }
    const res = planResources(ctx.server.config, ctx.worker);
    await provisionAll(ctx.wrangler, res);
    ctx.resources = res;
    for (const r of res.created) ctx.ui.success(`created ${r}`);
    for (const r of res.reused) ctx.ui.info(`found ${r} (reused)`);
  },
};
