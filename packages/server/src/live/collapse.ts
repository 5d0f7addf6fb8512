/**
 * Request collapsing: identical in-flight catch-up reads of a stream share one
 * StreamDO request per isolate. Only plain data crosses requests; each waiter
 * keeps its own request alive with its own timer while it waits.
 */
import type { PieceRequest, ReadOk, ReadRequest, RestOk } from "../do/rpc-types.js";
import { failure, type Ok, type Result } from "../protocol/errors.js";
import type { OffsetQuery } from "../protocol/offset.js";
import { formatOffset } from "../protocol/offset.js";
import { metrics } from "./metrics.js";

/** The read call of a StreamDO stub. */
export interface Reader {
  read(req: ReadRequest): Promise<Result<ReadOk>>;
}

/** The call of a StreamDO stub that reads the rest of a large JSON message (ReadOk.rest). */
export interface PieceReader {
  readRest(req: PieceRequest): Promise<Result<RestOk>>;
}

/** Answers a read without the StreamDO when it can (sealed history); null when it cannot. */
export type EdgeReader = (req: ReadRequest) => Promise<Ok<ReadOk> | null>;

const inflight = new Map<string, Promise<Result<ReadOk>>>();
const WAIT_LIMIT_MS = 60_000;

function offsetKey(o: OffsetQuery): string {
  return o.kind === "at" ? formatOffset(o.offset) : o.kind;
}

/**
 * Reads through one shared in-flight request per (stream, offset): from the
 * edge reader when it has the answer, otherwise from the StreamDO.
 */
export async function collapsedRead(
  key: string,
  stub: Reader,
  req: ReadRequest,
  edge?: EdgeReader,
): Promise<Result<ReadOk>> {
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
  const own = readOnce(stub, req, edge).finally(() => {
    if (inflight.get(k) === own) inflight.delete(k);
  });
  if (!shared) inflight.set(k, own);
  return withTimer(own);
}

async function readOnce(stub: Reader, req: ReadRequest, edge?: EdgeReader): Promise<Result<ReadOk>> {
  const local = edge ? await edge(req).catch(() => null) : null;
  if (local) return local;
  metrics.doReads += 1;
  return stub.read(req);
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
