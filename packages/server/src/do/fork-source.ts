/**
 * The source side of forks: validate a fork point and count the reference
 * (attach), drop it (detach, which may finish a soft-deleted source), and
 * serve inherited ranges to forks.
 */
import { failure, type Failure, type Result } from "../protocol/errors.js";
import { parseOffset } from "../protocol/offset.js";
import { isFailure, isJsonType, mediaTypeEssence } from "../protocol/parse.js";
import { isOwnMessageBoundary, locateOwnSubOffset } from "./cold-read.js";
import { offsetAt, type StreamHost } from "./host.js";
import type { StreamMeta } from "./meta.js";
import { readFrom } from "./read.js";
import type { AttachOk, RangeOk } from "./rpc-types.js";

/** Validates a fork point on this (source) stream and adds a reference. */
export async function attachFork(
  host: StreamHost,
  req: { offset: string | null; subOffset: number; contentType: string | null },
): Promise<Result<AttachOk>> {
  const m = host.meta();
  if (!m) return failure(404, "not_found", "Fork source stream not found");
  if (m.state === "soft_deleted") return failure(409, "conflict", "Fork source stream was deleted");
  if (req.contentType !== null && mediaTypeEssence(req.contentType) !== mediaTypeEssence(m.contentType)) {
    return failure(409, "content_type_mismatch", `Fork content type must match the source's (${m.contentType})`);
  }
  let pos = m.tail;
  let segment = m.segment;
  if (req.offset !== null) {
    const o = parseOffset(req.offset);
    if (!o) return failure(400, "invalid_offset", "Stream-Fork-Offset is not a valid offset");
    if (o.position > m.tail) return failure(400, "invalid_offset", "Stream-Fork-Offset is beyond the source's tail");
    pos = o.position;
    segment = host.segments.tokenSegment(m, pos);
  }
  const resolved = await locateSubOffset(host, m, pos, req.subOffset, m.tail);
  if (isFailure(resolved)) return resolved;
  // Re-read: the source may have changed while a fork chain resolved the sub-offset.
  const now = host.meta();
  if (!now || now.state === "soft_deleted") return failure(409, "conflict", "Fork source stream was deleted");
  now.refCount += 1;
  host.saveMeta(now);
  return {
    ok: true,
    contentType: now.contentType,
    ttlSeconds: now.ttlSeconds,
    expiresAtMs: now.expiresAtMs,
    position: resolved,
    segment,
    offset: offsetAt({ ...now, segment }, pos),
  };
}

/** Drops one fork reference; a soft-deleted source with none left is destroyed. */
export async function detachFork(host: StreamHost): Promise<void> {
  const m = host.meta();
  if (!m) return;
  m.refCount = Math.max(0, m.refCount - 1);
  host.saveMeta(m);
  if (m.refCount === 0 && m.state === "soft_deleted") await host.destroy(m);
}

/** Serves [pos, limit) of this stream to a fork (no TTL refresh, soft-deleted allowed). */
export async function readRange(
  host: StreamHost,
  pos: number,
  limit: number,
  maxBytes: number,
): Promise<Result<RangeOk>> {
  const m = host.meta();
  if (!m) return failure(404, "not_found", "Fork source data is gone");
  return readFrom(host, m, pos, limit, maxBytes);
}

/** Resolves `sub` bytes / JSON messages past `pos`, following the fork chain if needed. */
export async function locateSubOffset(
  host: StreamHost,
  m: StreamMeta,
  pos: number,
  sub: number,
  limit: number,
): Promise<number | Failure> {
  const json = isJsonType(m.contentType);
  const own = m.forkPosition === null || pos >= m.forkPosition;
  if (json && own && !(await isOwnMessageBoundary(host, m, pos))) {
    return failure(400, "invalid_offset", "Stream-Fork-Offset is not on a message boundary");
  }
  if (m.forkPosition !== null && m.forkSource !== null && pos < m.forkPosition) {
    const bound = Math.min(limit, m.forkPosition);
    return host.source(m.forkSource).locateSubOffset(pos, sub, bound);
  }
  return locateOwnSubOffset(host, m, pos, sub, limit, json);
}
