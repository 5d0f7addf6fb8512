/** The workload list, in the order they run and appear in the report. */
import { concurrentManyStreams, concurrentOneStream, sequentialAppends } from "./appends.ts";
import { catalogList100k, catalogList10k } from "./catalog.ts";
import { catchUpRead } from "./catch-up.ts";
import { dashboard10k } from "./dashboard.ts";
import { catchUpHot, catchUpSealed } from "./catch-up-tiers.ts";
import { estuaryWorkloads } from "./estuary.ts";
import { liveWorkloads } from "./live-latency.ts";
import { producerBatched } from "./producer.ts";
import type { Workload } from "./types.ts";

/** Every workload of a run. */
export const WORKLOADS: readonly Workload[] = [
  sequentialAppends,
  concurrentOneStream,
  concurrentManyStreams,
  producerBatched,
  catchUpRead,
  catchUpHot,
  catchUpSealed,
  ...liveWorkloads,
  ...estuaryWorkloads,
  catalogList10k,
  catalogList100k,
  dashboard10k,
];
