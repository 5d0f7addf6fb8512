/**
 * The cost scenarios of issue 7, each priced three ways: this design without a
 * CDN, with CDN collapsing in front, and a naive design whose Durable Object
 * holds every reader connection (so it never hibernates and pays a DO request
 * per reader request). Usage is derived from the per-op inputs (inputs.ts).
 */
import { PRICES_DATE } from "./prices.ts";
import {
  addUsage,
  doGbSeconds,
  price,
  scaleUsage,
  SECONDS_PER_MONTH,
  type Bill,
  type MonthlyUsage,
} from "./model.ts";
import type { CostInputs } from "./inputs.ts";

/** One priced variant of a scenario. */
export interface VariantCost extends Bill {
  readonly id: "edge" | "edge-cdn" | "naive-do";
  readonly label: string;
  readonly usage: MonthlyUsage;
  readonly note?: string;
}

/** A scenario with its variants. */
export interface ScenarioCost {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly variants: readonly VariantCost[];
}

/** Everything the cost section of the report needs. */
export interface CostReport {
  readonly pricesDate: string;
  readonly inputs: CostInputs;
  readonly scenarios: readonly ScenarioCost[];
}

const LABELS = {
  edge: "this design, no CDN",
  "edge-cdn": "this design + CDN collapsing",
  "naive-do": "naive: DO holds connections",
};

/**
 * Usage of `appends` appends of `bytes` each, spread over `streams` streams.
 * `alwaysActive`: the DO is billed wall-clock all month anyway (it holds reader
 * connections), so the appends add no duration of their own.
 */
export function appendUsage(
  i: CostInputs,
  appends: number,
  bytes: number,
  streams: number,
  alwaysActive = false,
): MonthlyUsage {
  const monthBytes = appends * bytes;
  const workerRequests = appends * i.workerRequestsPerAppend.value;
  const doRequests = appends * i.doRequestsPerAppend.value;
  return {
    workerRequests,
    workerCpuMs: workerRequests * i.workerCpuMsPerRequest.value,
    doRequests,
    doGbSeconds: alwaysActive ? 0 : doGbSeconds((doRequests * i.doActiveMsPerRequest.value) / 1000),
    sqliteRowsWritten: appends * i.rowsWrittenPerAppend.value,
    sqliteRowsRead: appends * i.rowsReadPerAppend.value,
    // At most one unrotated segment per stream stays in SQLite; the rest lives in R2.
    sqliteStorageGbMonth: (streams * i.segmentMb.value) / 1024,
    r2ClassA: monthBytes / (i.segmentMb.value * 1024 * 1024),
    // Data accumulates during the month: on average half of it is stored.
    r2StorageGbMonth: monthBytes / 2 / 1024 ** 3,
  };
}

/** Usage of fan-out copies: appends made DO-to-DO (no Worker request) that also store producer state. */
export function copyUsage(
  i: CostInputs,
  copies: number,
  bytes: number,
  streams: number,
  alwaysActive = false,
): MonthlyUsage {
  const {
    workerRequests: _w,
    workerCpuMs: _c,
    ...rest
  } = appendUsage(i, copies, bytes, streams, alwaysActive);
  return addUsage(rest, { sqliteRowsWritten: copies, sqliteRowsRead: copies });
}

/** Usage of `readers` long-poll readers of one stream receiving `writes` writes. */
export function longPollUsage(
  i: CostInputs,
  variant: VariantCost["id"],
  readers: number,
  writes: number,
): MonthlyUsage {
  const upstream = variant === "edge-cdn" ? Math.min(readers, i.cdnCollapsePoints.value) : readers;
  const workerRequests = writes * upstream;
  const perDelivery = variant === "naive-do" ? 1 : i.doRequestsPerLiveDelivery.value;
  const isolates = Math.min(i.feedIsolatesPerStream.value, readers);
  const feedOpens = variant === "naive-do" ? 0 : (isolates * SECONDS_PER_MONTH) / 60;
  return {
    workerRequests,
    workerCpuMs: workerRequests * i.workerCpuMsPerRequest.value,
    doRequests: writes * upstream * perDelivery + feedOpens,
    cdnRequests: variant === "edge-cdn" ? writes * (readers - upstream) : 0,
    // Held HTTP requests keep the naive DO from hibernating: billed all month.
    doGbSeconds: variant === "naive-do" ? doGbSeconds(SECONDS_PER_MONTH) : 0,
  };
}

/** Usage of `readers` SSE readers held for a month (each reconnects every sseReconnectSeconds). */
export function sseUsage(
  i: CostInputs,
  variant: VariantCost["id"],
  readers: number,
  objects: number,
): MonthlyUsage {
  const reconnects = (readers * SECONDS_PER_MONTH) / i.sseReconnectSeconds.value;
  const isolates = Math.min(i.feedIsolatesPerStream.value, readers / objects);
  return {
    workerRequests: reconnects,
    workerCpuMs: reconnects * i.workerCpuMsPerRequest.value,
    doRequests: variant === "naive-do" ? reconnects : (objects * isolates * SECONDS_PER_MONTH) / 60,
    doGbSeconds: variant === "naive-do" ? doGbSeconds(SECONDS_PER_MONTH, objects) : 0,
  };
}

function variants(
  build: (v: VariantCost["id"]) => MonthlyUsage,
  notes: Partial<Record<VariantCost["id"], string>> = {},
): VariantCost[] {
  return (["edge", "edge-cdn", "naive-do"] as const).map((id) => {
    const usage = build(id);
    const note = notes[id];
    return { id, label: LABELS[id], usage, ...price(usage), ...(note ? { note } : {}) };
  });
}

/** Prices all scenarios with the given inputs. */
export function costScenarios(i: CostInputs): CostReport {
  const month = SECONDS_PER_MONTH;
  const writes = month; // 1 write/s
  const readers10k = 10_000;
  const fanPublishes = 1_000 * 30;
  const sessions = 100;
  const scenarios: ScenarioCost[] = [
    {
      id: "one-stream-10k-readers",
      title: "10,000 long-poll readers of one stream, 1 write/s",
      description: "100-byte writes every second; every reader receives every write over long-poll.",
      variants: variants((v) =>
        addUsage(appendUsage(i, writes, 100, 1, v === "naive-do"), longPollUsage(i, v, readers10k, writes)),
      ),
    },
    {
      id: "one-stream-10k-sse",
      title: "10,000 SSE readers of one stream, 1 write/s",
      description:
        "As above with SSE readers; SSE is not collapsed by a CDN, so the CDN variant equals the first.",
      variants: variants((v) =>
        addUsage(
          appendUsage(i, writes, 100, 1, v === "naive-do"),
          sseUsage(i, v === "edge-cdn" ? "edge" : v, readers10k, 1),
        ),
      ),
    },
    {
      id: "100-active-streams",
      title: "100 active streams (1 write/s and 50 long-poll readers each)",
      description: "100 independent streams, each written every second and read live by 50 readers.",
      variants: variants((v) =>
        scaleUsage(
          addUsage(appendUsage(i, writes, 100, 1, v === "naive-do"), longPollUsage(i, v, 50, writes)),
          100,
        ),
      ),
    },
    {
      id: "fan-out-100-sessions",
      title: "Fan-out to 100 sessions at 1,000 publishes/day",
      description:
        "Each publish is appended to the source stream and copied into 100 session streams (idempotent producer, one queued batch), each session read by one SSE client.",
      variants: variants(
        (v) =>
          addUsage(
            appendUsage(i, fanPublishes, 200, 1),
            // Fan-out: one SubscriptionDO call + outbox row written and deleted + one queue message (3 ops) per publish.
            { doRequests: fanPublishes, sqliteRowsWritten: fanPublishes * 2, queueOps: fanPublishes * 3 },
            copyUsage(i, fanPublishes * sessions, 200, sessions, v === "naive-do"),
            sseUsage(i, v === "edge-cdn" ? "edge" : v, sessions, sessions),
          ),
        { "edge-cdn": "one reader per session: nothing to collapse" },
      ),
    },
  ];
  return { pricesDate: PRICES_DATE, inputs: i, scenarios };
}
