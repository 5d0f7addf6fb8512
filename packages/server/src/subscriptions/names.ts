/** Object names of the SubscriptionDO's two roles (one binding, one migration). */
import type { Env } from "../env.js";

/** The project's registry object. */
export function registryStub(env: Env, project: string) {
  const ns = env.SUBSCRIPTIONS!;
  return ns.get(ns.idFromName(`reg:${project}`));
}

/** One subscription's object. */
export function subscriptionStub(env: Env, project: string, id: string) {
  const ns = env.SUBSCRIPTIONS!;
  return ns.get(ns.idFromName(`sub:${project}:${id}`));
}
