/**
 * Per-operation inputs of the cost model. Each starts as a documented
 * assumption (what DESIGN.md's architecture implies) and is replaced by the
 * value measured from the server's counters when the run has one. The report
 * prints which is which, so no figure passes for measured when it is not.
 */
import type { Counters } from "../counters.ts";

/** A model input and where its value came from. */
export interface CostInput {
  readonly value: number;
  readonly source: "assumed" | "measured";
  readonly why: string;
}

/** The inputs the scenarios use. */
export interface CostInputs {
  workerRequestsPerAppend: CostInput;
  doRequestsPerAppend: CostInput;
  rowsWrittenPerAppend: CostInput;
  rowsReadPerAppend: CostInput;
  doRequestsPerLiveDelivery: CostInput;
  workerCpuMsPerRequest: CostInput;
  doActiveMsPerRequest: CostInput;
  cdnCollapsePoints: CostInput;
  sseReconnectSeconds: CostInput;
  feedIsolatesPerStream: CostInput;
  segmentMb: CostInput;
}

const a = (value: number, why: string): CostInput => ({ value, source: "assumed", why });

/** The design's assumptions, before any measurement. */
export function assumedInputs(): CostInputs {
  return {
    workerRequestsPerAppend: a(1, "each append is one HTTP request to the edge Worker"),
    doRequestsPerAppend: a(1, "the edge makes one call (RPC) to the stream's StreamDO per append"),
    rowsWrittenPerAppend: a(
      1,
      "one hot-log row; the metadata row only when more than the tail changes (close, Stream-Seq, TTL, new segment)",
    ),
    rowsReadPerAppend: a(1, "the metadata row (tail, closed flag, content type)"),
    doRequestsPerLiveDelivery: a(
      0,
      "readers are held by the edge; the DO sends one feed message per isolate (outgoing WebSocket messages are not billed)",
    ),
    workerCpuMsPerRequest: a(
      1,
      "CPU time cannot be measured under wrangler dev; 1 ms is typical for a small routing Worker",
    ),
    doActiveMsPerRequest: a(
      5,
      "wall-clock the DO is busy per append incl. the SQLite commit; idle + hibernatable time is not billed",
    ),
    cdnCollapsePoints: a(20, "distinct CDN locations, each forwarding one long-poll per new offset/cursor"),
    sseReconnectSeconds: a(
      60,
      "the server ends SSE about every 60 s (PROTOCOL.md §10.2); each reconnect is a request",
    ),
    feedIsolatesPerStream: a(
      10,
      "edge isolates holding readers of one hot stream; each keeps one feed WebSocket, re-opened about once a minute",
    ),
    segmentMb: a(8, "hot-log rotation size: one R2 PUT (Class A) per segment"),
  };
}

const m = (value: number, why: string): CostInput => ({ value, source: "measured", why });

/**
 * Replaces assumptions with measured per-op counts where the server reported them:
 * `append` from the sequential-append workload, `delivery` from a long-poll workload.
 */
export function withMeasured(
  inputs: CostInputs,
  append: Counters | null,
  delivery: Counters | null,
): CostInputs {
  const out = { ...inputs };
  if (append?.workerRequests !== undefined)
    out.workerRequestsPerAppend = m(append.workerRequests, "server counters, sequential appends");
  if (append?.doRequests !== undefined)
    out.doRequestsPerAppend = m(append.doRequests, "server counters, sequential appends");
  if (append?.sqliteRowsWritten !== undefined)
    out.rowsWrittenPerAppend = m(append.sqliteRowsWritten, "server counters, sequential appends");
  if (append?.sqliteRowsRead !== undefined)
    out.rowsReadPerAppend = m(append.sqliteRowsRead, "server counters, sequential appends");
  if (delivery?.doRequests !== undefined)
    out.doRequestsPerLiveDelivery = m(delivery.doRequests, "server counters, 100 long-poll readers");
  return out;
}
