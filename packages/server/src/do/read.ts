/**
 * GET: catch-up reads, stitched across a fork's inherited range (read from
 * the source), the stream's sealed R2 segments and its hot log.
 */
import { failure, type Failure, type Result } from "../protocol/errors.js";
import { joinMessages } from "../protocol/json.js";
import { isFailure, isJsonType } from "../protocol/parse.js";
import { readOwn } from "./cold-read.js";
import { retainedPosition } from "./retention.js";
import { infoOf, tokenAt, type StreamHost } from "./host.js";
import type { StreamMeta } from "./meta.js";
import type { RangeOk, ReadOk, ReadRequest } from "./rpc-types.js";
import { concat } from "./store.js";

/** Serves one catch-up read from `req.offset`, up to the read limit. */
export async function readStream(host: StreamHost, req: ReadRequest): Promise<Result<ReadOk>> {
  const m = liveMeta(host);
  if (isFailure(m)) return m;
  const resolved = resolvePosition(m, req);
  if (isFailure(resolved)) return resolved;
  const pos = retainedPosition(host, m, req, resolved);
  if (isFailure(pos)) return pos;
  if (req.touch) touch(host, m);
  const slice = await readFrom(host, m, pos, m.tail, host.maxReadBytes);
  if (!slice.ok) return slice;
  // The fork source may have been awaited: report the state as it is now.
  const after = liveMeta(host);
  if (isFailure(after)) return after;
  const atTail = slice.next >= after.tail;
  const partial = slice.partial === true;
  return {
    ok: true,
    info: infoOf(after),
    startOffset: tokenAt(host, after, pos),
    data: isJsonType(after.contentType) && !partial ? joinMessages(slice.pieces) : concat(slice.pieces),
    count: partial ? 1 : slice.pieces.length,
    nextOffset: tokenAt(host, after, slice.next),
    upToDate: atTail,
    eof: after.closed && atTail,
    ...(partial ? { rest: { from: pos + slice.bytes, to: slice.next } } : {}),
  };
}

/**
 * Reads [pos, limit) of this stream, up to about maxBytes: the inherited
 * range from the fork source, then this stream's own log. `raw` reads bytes
 * even of a JSON stream (the pieces of a large message).
 */
export async function readFrom(
  host: StreamHost,
  m: StreamMeta,
  pos: number,
  limit: number,
  maxBytes: number,
  raw = false,
): Promise<Result<RangeOk>> {
  const json = !raw && isJsonType(m.contentType);
  const forkAt = m.forkPosition;
  if (forkAt === null || pos >= forkAt || m.forkSource === null) return readOwn(host, m, pos, limit, maxBytes, json);
  const inherited = await host.source(m.forkSource).readRange(pos, Math.min(forkAt, limit), maxBytes, raw);
  if (!inherited.ok) return inherited;
  if (inherited.next < forkAt || inherited.bytes >= maxBytes || limit <= forkAt) return inherited;
  const own = await readOwn(host, m, forkAt, limit, maxBytes - inherited.bytes, json);
  if (!own.ok) return own;
  // A large own message is read on its own, by the next read.
  if (own.partial) return inherited;
  return {
    ok: true,
    pieces: [...inherited.pieces, ...own.pieces],
    bytes: inherited.bytes + own.bytes,
    next: own.next,
  };
}

export function liveMeta(host: StreamHost): StreamMeta | Failure {
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
