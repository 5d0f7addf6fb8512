/**
 * PUT: create a stream, confirm an existing one (200), or refuse a different
 * configuration (409). Forks attach to their source first, which validates
 * the fork point and records the reference (fork-client.ts).
 */
import { failure, type Failure, type Result } from "../protocol/errors.js";
import { parseOffset } from "../protocol/offset.js";
import { isFailure, isJsonType, mediaTypeEssence } from "../protocol/parse.js";
import { receiveBody, type ReceivedBody } from "./append-body.js";
import type { Held } from "./lock.js";
import { infoOf, storageFull, type StreamHost } from "./host.js";
import type { StreamMeta } from "./meta.js";
import type { AttachOk, BodyInput, CreateOk, CreateRequest } from "./rpc-types.js";
import { abandonIntent, attachToSource, FORK_INTENTS_JOB } from "./fork-client.js";
import { forkRef } from "./fork-links.js";
import { NO_RETENTION } from "./retention-policy.js";

const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/** 503 while a deleted fork's tombstone still waits for its source's release. */
export function stillCleaningUp(): Failure {
  return failure(503, "unavailable", "The previous stream at this path is still being cleaned up; retry shortly");
}

const limitsOf = (host: StreamHost) => ({ maxBytes: host.maxAppendBytes, maxMessages: host.maxAppendMessages });

/**
 * Creates or confirms the stream described by `req`, with an optional initial
 * body. Runs under the object's lock (`held`); a fork's calls to its source
 * run outside it (do/lock.ts), since the source may itself be a create
 * waiting on this object.
 */
export async function createStream(
  host: StreamHost,
  req: CreateRequest,
  body: BodyInput,
  held: Held,
): Promise<Result<CreateOk>> {
  const limits = limitsOf(host);
  // A fork without a Content-Type takes its source's: its body is split once that is known.
  const json = req.contentType !== null && isJsonType(req.contentType);
  const received = await receiveBody(body, limits, json, true, host.bodyGate);
  if (isFailure(received)) return received;
  const existing = host.meta();
  if (existing) return confirmExisting(existing, req);
  const full = storageFull(host, received.size);
  if (full) return full;

  const instance = crypto.randomUUID().replaceAll("-", "").slice(0, 16);
  const fork = req.fork;
  if (!fork) return commit(host, req, instance, received, null);
  const ref = forkRef(instance, req.key);
  // Until it commits or is given up, the fork's alarm leaves this intent alone.
  host.forks.beginAttach(ref);
  try {
    const attach = await held.outside(() => attachToSource(host, ref, fork, req.contentType));
    if (!attach.ok) return attach;
    // Other requests ran during the call: a stream may have been created here (or created and deleted).
    const raced = host.meta();
    const r = raced
      ? confirmExisting(raced, req)
      : host.releasePending()
        ? stillCleaningUp()
        : commit(host, req, instance, received, attach);
    if (!r.ok || !r.created) await held.outside(() => abandonIntent(host, ref, fork.source));
    return r;
  } finally {
    host.forks.endAttach(ref);
  }
}

/** Writes the new stream (and its initial messages) in one transaction. */
function commit(
  host: StreamHost,
  req: CreateRequest,
  instance: string,
  received: ReceivedBody,
  attach: AttachOk | null,
): Result<CreateOk> {
  const limits = limitsOf(host);
  const json = req.contentType !== null && isJsonType(req.contentType);
  const contentType = req.contentType ?? attach?.contentType ?? DEFAULT_CONTENT_TYPE;
  const initial = isJsonType(contentType) && !json ? received.asJson(limits, true) : received;
  if (initial.invalid) return initial.invalid;
  const messages = initial.messages;
  const now = host.now();
  const inherit = attach !== null && req.expiry.ttlSeconds === null && req.expiry.expiresAtMs === null;
  const start = attach?.position ?? 0;
  const meta: StreamMeta = {
    key: req.key,
    instance,
    contentType,
    createdAt: now,
    ttlSeconds: inherit ? attach.ttlSeconds : req.expiry.ttlSeconds,
    expiresAtMs: inherit ? attach.expiresAtMs : req.expiry.expiresAtMs,
    lastAccess: now,
    closed: req.closed,
    closedBy: null,
    tail: start,
    segment: attach?.segment ?? 0,
    streamSeq: null,
    forkSource: req.fork?.source ?? null,
    forkOffset: attach?.offset ?? null,
    forkSubOffset: req.fork?.subOffset ?? 0,
    forkPosition: attach ? start : null,
    refCount: 0,
    state: "live",
    pendingRelease: false,
  };
  host.transaction(() => {
    host.store.ensureSchema();
    meta.tail = messages.length > 0 ? host.store.appendPieces(start, messages) : start;
    host.saveMeta(meta);
    host.retention.forgetOthers(instance);
    host.retention.setLimits(instance, req.retention ?? NO_RETENTION, attach?.start ?? 0);
    if (attach) host.forks.markAttached(forkRef(instance, req.key));
  });
  if (attach && host.forks.abandoned().length === 0) host.alarms.cancel(FORK_INTENTS_JOB);
  host.scheduleExpiry(meta);
  host.appended(meta, messages.length, received.size);
  return { ok: true, created: true, info: infoOf(meta) };
}

/** 200 when the request matches the existing stream's configuration, else 409. */
function confirmExisting(m: StreamMeta, req: CreateRequest): Result<CreateOk> {
  if (m.state === "soft_deleted") {
    return failure(409, "conflict", "A deleted stream still referenced by forks occupies this path");
  }
  const mismatch = configMismatch(m, req);
  if (mismatch) return failure(409, "conflict", `Stream already exists with a different ${mismatch}`);
  return { ok: true, created: false, info: infoOf(m) };
}

function configMismatch(m: StreamMeta, req: CreateRequest): string | null {
  const wantedType = req.contentType ?? (req.fork ? m.contentType : DEFAULT_CONTENT_TYPE);
  if (mediaTypeEssence(wantedType) !== mediaTypeEssence(m.contentType)) return "content type";
  const inherits = req.fork !== null && req.expiry.ttlSeconds === null && req.expiry.expiresAtMs === null;
  if (!inherits && (req.expiry.ttlSeconds !== m.ttlSeconds || !sameInstant(req.expiry.expiresAtMs, m.expiresAtMs))) {
    return "TTL or expiry";
  }
  if (req.closed !== m.closed) return "closed status";
  if ((req.fork?.source ?? null) !== m.forkSource) return "fork source";
  if (req.fork) {
    if (req.fork.offset !== null && !sameOffset(req.fork.offset, m.forkOffset)) return "fork offset";
    if (req.fork.subOffset !== m.forkSubOffset) return "fork sub-offset";
  }
  return null;
}

function sameInstant(a: number | null, b: number | null): boolean {
  return a === b;
}

function sameOffset(a: string, b: string | null): boolean {
  const pa = parseOffset(a);
  const pb = b === null ? undefined : parseOffset(b);
  return pa !== undefined && pb !== undefined && pa.position === pb.position;
}
