/**
 * Subscription lag for the admin API (PROTOCOL.md §6–7): each subscription
 * living in the project, with its generation, status and, per linked stream,
 * the bytes between its acked offset and the tail known to the subscription.
 */
import type { Env } from "../env.js";
import { registryStub, subscriptionStub } from "../subscriptions/names.js";

const MAX_LISTED = 100;

/** One subscription's lag. */
export interface SubscriptionLag {
  id: string;
  type: string;
  generation: number;
  status: string;
  /** The largest per-stream lag (bytes). */
  lag: number;
  streams: { path: string; lag: number }[];
}

/** The project's subscriptions (at most 100) with their lag. */
export async function subscriptionLag(env: Env, project: string): Promise<{ subscriptions: SubscriptionLag[] }> {
  if (!env.SUBSCRIPTIONS) return { subscriptions: [] };
  const ids = await registryStub(env, project).regIds(project, MAX_LISTED);
  const rows = await Promise.all(ids.map((id) => subscriptionStub(env, project, id).lag()));
  return {
    subscriptions: rows
      .filter((r) => r !== null)
      .map((r) => ({ ...r, lag: Math.max(0, ...r.streams.map((s) => s.lag)) })),
  };
}
