/**
 * GET: catch-up and long-poll reads, stitched across a fork's inherited
 * range (read from the source) and its own log.
 */
import { failure, type Failure, type Result } from "../protocol/errors.js";
import { joinMessages } from "../protocol/json.js";
import { isFailure, isJsonType } from "../protocol/parse.js";
import { infoOf, offsetAt, type StreamHost } from "./host.js";
import type { StreamMeta } from "./meta.js";
import type { RangeOk, ReadOk, ReadRequest } from "./rpc-types.js";
import { concat } from "./store.js";

/** Serves one read; a long-poll (waitMs > 0) waits for data, closure or the deadline. */
export async function readStream(host: StreamHost, req: ReadRequest): Promise<Result<ReadOk>> {
  const first = liveMeta(host);
  if (isFailure(first)) return first;
  const pos = resolvePosition(first, req);
  if (isFailure(pos)) return pos;
  if (req.touch) touch(host, first);
  const deadline = host.now() + req.waitMs;
  for (;;) {
    const m = liveMeta(host);
    if (isFailure(m)) return m;
    const slice = await readFrom(host, m, pos, m.tail, host.maxReadBytes);
    if (!slice.ok) return slice;
    const atTail = slice.next >= m.tail;
    const grown = slice.bytes > 0 && (req.waitPast === undefined || m.tail > req.waitPast);
    const done = grown || req.waitMs === 0 || (m.closed && atTail) || host.now() >= deadline;
    if (done) {
      const json = isJsonType(m.contentType);
      return {
        ok: true,
        info: infoOf(m),
        startOffset: offsetAt(m, pos),
        data: json ? joinMessages(slice.pieces) : concat(slice.pieces),
        count: slice.pieces.length,
        nextOffset: offsetAt(m, slice.next),
        upToDate: atTail,
        eof: m.closed && atTail,
        timedOut: req.waitMs > 0 && !grown && !(m.closed && atTail),
      };
    }
    await host.waitForChange(deadline);
  }
}

/**
 * Reads [pos, limit) of this stream, up to about maxBytes: the inherited
 * range from the fork source, then this stream's own log.
 */
export async function readFrom(
  host: StreamHost,
  m: StreamMeta,
  pos: number,
  limit: number,
  maxBytes: number,
): Promise<Result<RangeOk>> {
  const json = isJsonType(m.contentType);
  const forkAt = m.forkPosition;
  if (forkAt === null || pos >= forkAt || m.forkSource === null) {
    const own = host.store.read(pos, limit, maxBytes, json);
    return isFailure(own) ? own : { ok: true, ...own };
  }
  const inherited = await host.source(m.forkSource).readRange(pos, Math.min(forkAt, limit), maxBytes);
  if (!inherited.ok) return inherited;
  if (inherited.next < forkAt || inherited.bytes >= maxBytes || limit <= forkAt) return inherited;
  const own = host.store.read(forkAt, limit, maxBytes - inherited.bytes, json);
  if (isFailure(own)) return own;
  return {
    ok: true,
    pieces: [...inherited.pieces, ...own.pieces],
    bytes: inherited.bytes + own.bytes,
    next: own.next,
  };
}

function liveMeta(host: StreamHost): StreamMeta | Failure {
  const m = host.meta();
  if (!m) return failure(404, "not_found", "Stream not found");
  if (m.state === "soft_deleted") return failure(410, "gone", "Stream was deleted");
  return m;
}

function resolvePosition(m: StreamMeta, req: ReadRequest): number | Failure {
  switch (req.offset.kind) {
    case "start":
      return 0;
    case "now":
      return m.tail;
    case "at": {
      const p = req.offset.offset.position;
      if (p > m.tail) return failure(400, "invalid_offset", "Offset is beyond the end of the stream");
      return p;
    }
  }
}

function touch(host: StreamHost, m: StreamMeta): void {
  if (m.ttlSeconds === null) return;
  m.lastAccess = host.now();
  host.store.touch(m.lastAccess);
  host.scheduleExpiry(m);
}
