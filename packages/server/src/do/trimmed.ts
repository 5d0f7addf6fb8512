/**
 * The answer to a read or fork before a stream's retained start. Kept apart
 * from retention-policy.ts, which is pure and shared with the CLI (through
 * projects/retention-config.ts) and so must not reach the object's host.
 */
import { failure, type Failure } from "../protocol/errors.js";
import { tokenAt, type StreamHost } from "./host.js";
import type { StreamMeta } from "./meta.js";
import { START_OFFSET_HEADER } from "./retention-policy.js";

/** 410 for a position before the retained start `start`, naming the earliest offset still stored. */
export function gone(host: StreamHost, m: StreamMeta, start: number): Failure {
  const earliest = tokenAt(host, m, start);
  return failure(410, "offset_trimmed", `Offset is before the earliest retained offset ${earliest} (retention)`, {
    [START_OFFSET_HEADER]: earliest,
  });
}
