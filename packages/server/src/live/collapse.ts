/**
 * Request collapsing: identical in-flight catch-up reads of a stream share one
 * StreamDO request per isolate. Only plain data crosses requests; each waiter
 * keeps its own request alive with its own timer while it waits.
 */
import type { ReadOk, ReadRequest } from "../do/rpc-types.js";
import { failure, type Result } from "../protocol/errors.js";
import type { OffsetQuery } from "../protocol/offset.js";
import { formatOffset } from "../protocol/offset.js";
import { metrics } from "./metrics.js";

/** The read call of a StreamDO stub. */
export interface Reader {
  read(req: ReadRequest): Promise<Result<ReadOk>>;
}

const inflight = new Map<string, Promise<Result<ReadOk>>>();
const WAIT_LIMIT_MS = 60_000;

function offsetKey(o: OffsetQuery): string {
  return o.kind === "at" ? formatOffset(o.offset) : o.kind;
}

/** Reads through one shared in-flight request per (stream, offset). */
export async function collapsedRead(key: string, stub: Reader, req: ReadRequest): Promise<Result<ReadOk>> {
  const k = `${key}\u0000${offsetKey(req.offset)}`;
  const shared = inflight.get(k);
  if (shared) {
    metrics.collapsedReads += 1;
    try {
      return await withTimer(shared);
    } catch {
      // The request that owned the read went away mid-call; read on our own.
    }
  }
  metrics.doReads += 1;
  const own = stub.read(req).finally(() => {
    if (inflight.get(k) === own) inflight.delete(k);
  });
  if (!shared) inflight.set(k, own);
  return withTimer(own);
}

/** Races a promise with a timer of this request, which keeps the request alive while it waits. */
async function withTimer<T extends Result<ReadOk>>(p: Promise<T>): Promise<T | Result<ReadOk>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<Result<ReadOk>>((resolve) => {
    timer = setTimeout(() => resolve(failure(503, "unavailable", "Stream read timed out; retry")), WAIT_LIMIT_MS);
  });
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}
