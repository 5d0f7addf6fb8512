/**
 * The source side of forks: validate a fork point and record the fork's
 * reference (attach), drop it (detach, which may finish a soft-deleted
 * source), and serve inherited ranges to forks. Both are idempotent by the
 * fork's reference (fork-links.ts), so a fork may retry either after a lost reply.
 */
import { failure, type Failure, type Result } from "../protocol/errors.js";
import { parseOffset } from "../protocol/offset.js";
import { isFailure, isJsonType, mediaTypeEssence } from "../protocol/parse.js";
import { isOwnMessageBoundary, locateOwnSubOffset } from "./cold-read.js";
import { offsetAt, type StreamHost } from "./host.js";
import type { StreamMeta } from "./meta.js";
import { readFrom } from "./read.js";
import type { AttachOk, AttachRequest, DetachRequest, RangeOk } from "./rpc-types.js";
import { gone } from "./trimmed.js";

/** How many forks read from this stream: references by key plus any legacy count. */
export function forkReferences(host: StreamHost, m: StreamMeta): number {
  return host.forks.refCount() + m.refCount;
}

/** Validates a fork point on this (source) stream and records the fork's reference. */
export async function attachFork(host: StreamHost, req: AttachRequest): Promise<Result<AttachOk>> {
  const m = host.meta();
  if (!m) return failure(404, "not_found", "Fork source stream not found");
  const held = host.forks.ref(req.ref);
  // A retry after a lost reply: the same answer, whatever changed since.
  if (held) return { ok: true, ...inherited(m), ...held, start: host.retention.start(m.instance) };
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
    const start = host.retention.start(m.instance);
    if (pos < start) return gone(host, m, start);
  }
  const resolved = await locateSubOffset(host, m, pos, req.subOffset, m.tail);
  if (isFailure(resolved)) return resolved;
  // Re-read: the source may have changed while a fork chain resolved the sub-offset.
  const now = host.meta();
  if (!now || now.state === "soft_deleted") return failure(409, "conflict", "Fork source stream was deleted");
  const point = { position: resolved, segment, offset: offsetAt({ ...now, segment }, pos) };
  host.transaction(() => {
    host.forks.addRef(req.ref, point, host.now());
    // The fork's history starts where this stream's does now: trims stop there.
    host.retention.pin(req.ref, host.retention.start(now.instance));
  });
  return { ok: true, ...inherited(now), ...point, start: host.retention.start(now.instance) };
}

function inherited(m: StreamMeta): { contentType: string; ttlSeconds: number | null; expiresAtMs: number | null } {
  return { contentType: m.contentType, ttlSeconds: m.ttlSeconds, expiresAtMs: m.expiresAtMs };
}

/**
 * Drops a fork's reference (a no-op when it holds none: a retry, or a
 * reference to an earlier stream at this path); a soft-deleted source with
 * none left is destroyed. `req` is absent only from objects running code
 * older than reference sets.
 */
export async function detachFork(host: StreamHost, req: DetachRequest | undefined): Promise<void> {
  const m = host.meta();
  if (!m) return;
  if (req && !req.legacy) {
    if (!host.forks.removeRef(req.ref)) return;
    // While legacy references remain, a retry of this release must not count as one.
    if (m.refCount > 0) host.forks.markReleased(req.ref);
  } else {
    if (m.refCount === 0 || (req && host.forks.released(req.ref))) return;
    const next = { ...m, refCount: m.refCount - 1 };
    host.transaction(() => {
      host.saveMeta(next);
      if (next.refCount === 0) host.forks.forgetReleased();
      else if (req) host.forks.markReleased(req.ref);
    });
  }
  const now = host.meta();
  if (now && now.state === "soft_deleted" && forkReferences(host, now) === 0) await host.destroy(now);
}

/** Serves [pos, limit) of this stream to a fork (no TTL refresh, soft-deleted allowed). */
export async function readRange(
  host: StreamHost,
  pos: number,
  limit: number,
  maxBytes: number,
  raw = false,
): Promise<Result<RangeOk>> {
  const m = host.meta();
  if (!m) return failure(404, "not_found", "Fork source data is gone");
  const start = host.retention.start(m.instance);
  if (pos < start) return gone(host, m, start);
  return readFrom(host, m, pos, limit, maxBytes, raw);
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
