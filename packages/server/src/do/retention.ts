/**
 * The StreamDO's retention operations: what a read before the retained start
 * answers (410 with the earliest offset), the retention alarm job that trims
 * by the stream's limits after seals and as segments age, and PATCH (change
 * the limits, trim before an offset). The trim itself is do/trim.ts.
 */
import { failure, type Failure, type Result } from "../protocol/errors.js";
import { parseOffset } from "../protocol/offset.js";
import { tokenAt, type StreamHost } from "./host.js";
import type { StreamMeta } from "./meta.js";
import {
  applyRetention,
  nextAgeTrim,
  retentionTarget,
  type AgedSegment,
  type Retention,
  type RetentionPatch,
} from "./retention-policy.js";
import { RETENTION_JOB, resumeTrim, TRIM_RETRY_MS, trimBefore, type TrimOptions } from "./trim.js";
import type { ReadRequest } from "./rpc-types.js";
import { gone } from "./trimmed.js";

export { RETENTION_JOB };

/** PATCH: new limits (over the current ones, within the project's caps) and/or a trim. */
export interface RetentionChange {
  readonly patch: RetentionPatch;
  readonly caps: Retention;
  /** Trim history before this offset token (segment-granular). */
  readonly trimBefore: string | null;
}

/** What PATCH and HEAD report. */
export interface RetentionOk {
  readonly limits: Retention;
  /** The earliest offset still stored. */
  readonly startOffset: string;
}

/** The retained range and limits of the stream. */
export function retentionOf(host: StreamHost, m: StreamMeta): RetentionOk {
  return { limits: host.retention.limits(m.instance), startOffset: tokenAt(host, m, host.retention.start(m.instance)) };
}

/** `offset=-1` starts at the retained start; a position before it is 410 naming the earliest offset. */
export function retainedPosition(host: StreamHost, m: StreamMeta, req: ReadRequest, pos: number): number | Failure {
  const start = host.retention.start(m.instance);
  if (req.offset.kind === "start") return Math.max(pos, start);
  if (pos >= start) return pos;
  return gone(host, m, start);
}

/** After a seal committed: records its time and, when the stream has limits, runs the retention job. */
export function afterSeal(host: StreamHost): void {
  const m = host.meta();
  if (!m) return;
  host.retention.noteSealed(m.instance, host.now());
  if (hasLimits(host.retention.limits(m.instance))) host.alarms.schedule(RETENTION_JOB, host.now());
}

/** The retention alarm job: finishes an interrupted trim, trims by the limits, schedules the next age trim. */
export async function enforceRetention(host: StreamHost, opts: TrimOptions = {}): Promise<void> {
  const m = host.meta();
  if (!m) return;
  try {
    await resumeTrim(host, opts);
    const limits = host.retention.limits(m.instance);
    if (!hasLimits(limits)) return;
    const segments = aged(host, m);
    const lastEnd = segments.at(-1)?.end ?? m.forkPosition ?? 0;
    const hot = host.store.countMessages(lastEnd, m.tail);
    const target = retentionTarget(limits, segments, m.tail, hot, host.now());
    if (target > host.retention.start(m.instance)) await trimBefore(host, target, opts);
    const next = nextAgeTrim(limits, aged(host, m), host.now());
    if (next !== null) host.alarms.schedule(RETENTION_JOB, next);
  } catch (e) {
    console.error(JSON.stringify({ msg: "trim failed; will retry", stream: m.key, error: String(e) }));
    host.alarms.schedule(RETENTION_JOB, host.now() + TRIM_RETRY_MS);
  }
}

/** PATCH: sets limits and/or trims; answers the limits and the retained start. */
export async function changeRetention(host: StreamHost, req: RetentionChange): Promise<Result<RetentionOk>> {
  const m = host.meta();
  if (!m) return failure(404, "not_found", "Stream not found");
  if (m.state === "soft_deleted") return failure(410, "gone", "Stream was deleted");
  const limits = applyRetention(host.retention.limits(m.instance), req.patch, req.caps);
  if ("ok" in limits) return limits;
  let before: number | null = null;
  if (req.trimBefore !== null) {
    const o = parseOffset(req.trimBefore);
    if (!o || o.position > m.tail) {
      return failure(400, "invalid_offset", "Stream-Trim-Before must be an offset of this stream, at most its tail");
    }
    before = o.position;
  }
  host.transaction(() => host.retention.setLimits(m.instance, limits));
  if (before !== null) {
    try {
      await trimBefore(host, before);
    } catch (e) {
      // The intent is durable: the alarm finishes the trim.
      console.error(JSON.stringify({ msg: "trim failed; will retry", stream: m.key, error: String(e) }));
      host.alarms.schedule(RETENTION_JOB, host.now() + TRIM_RETRY_MS);
    }
  }
  await enforceRetention(host);
  const now = host.meta();
  return now ? { ok: true, ...retentionOf(host, now) } : failure(404, "not_found", "Stream not found");
}

/** As a source: fork `ref` (if it still holds a reference) needs history from `start` on; retention may run. */
export function pinFork(host: StreamHost, ref: string, start: number): void {
  if (!host.forks.ref(ref)) return;
  host.retention.pin(ref, start);
  host.alarms.schedule(RETENTION_JOB, host.now());
}

function hasLimits(r: Retention): boolean {
  return r.bytes !== null || r.messages !== null || r.seconds !== null;
}

/** The stream's sealed segments for retention; a fork's inherited range comes first, as one segment. */
function aged(host: StreamHost, m: StreamMeta): AgedSegment[] {
  const own: AgedSegment[] = host.retention.sealed(m.instance, host.now());
  if (m.forkPosition === null || m.forkPosition === 0) return own;
  return [{ end: m.forkPosition, messages: 0, sealedAt: m.createdAt }, ...own];
}
