/**
 * Estuary fan-out (publish once, one copy into each of N session streams).
 * Listed now so the table shows it; it runs once the server has the estuary
 * routes (DESIGN.md component 7). The reference server has no estuary, so only
 * the edge target will ever run it.
 */
import type { Workload } from "./types.ts";

/** Placeholder until `/v1/estuary/...` exists: skipped with a reason, never a fake number. */
export const estuaryFanOut: Workload = {
  id: "estuary-fan-out",
  title: "Estuary fan-out: publish → 100 session streams",
  opUnit: "delivery",
  throughputUnit: "deliveries/s",
  primary: "latency",
  kinds: ["edge"],
  skipReason: "estuary pub/sub is not implemented in packages/server yet",
  run() {
    return Promise.reject(new Error(this.skipReason));
  },
};
