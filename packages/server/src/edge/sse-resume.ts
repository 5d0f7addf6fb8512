/**
 * Resuming an SSE read from `Last-Event-ID` (sent by a browser's EventSource
 * when it reconnects to the same URL, whose `offset` is still the first one).
 * The id wins over `offset` and `cursor`; an id from another instance of the
 * stream (deleted and re-created since) is 410, and a reconnect at the tail
 * of a closed stream is 204, the answer that makes EventSource stop.
 */
import type { ReadOk } from "../do/rpc-types.js";
import { HttpError, failure, type Result } from "../protocol/errors.js";
import { parseEventId, sameInstance, type SseResumePoint } from "../protocol/sse-id.js";

/** The request header EventSource resends on reconnect. */
export const LAST_EVENT_ID = "last-event-id";

/** The resume point of a request, null without the header; a malformed id is a 400. */
export function resumePointOf(header: string | undefined): SseResumePoint | null {
  if (header === undefined || header.trim() === "") return null;
  const point = parseEventId(header);
  if (!point) {
    throw new HttpError(
      failure(400, "invalid_offset", "Malformed Last-Event-ID: expected <offset>:<cursor>:<tag> as sent in an SSE id"),
    );
  }
  return point;
}

/** What to do with the first read of a resumed SSE request. */
export type ResumeDecision = "stream" | "closed";

/**
 * Checks the first read of a resumed request: the stream must be the instance
 * the id came from (`instance` tells, when the read failed, e.g. because a
 * re-created stream is shorter than the old offset); at a closed stream's
 * tail there is nothing more to send, ever.
 */
export async function checkResume(
  point: SseResumePoint,
  first: Result<ReadOk>,
  instance: () => Promise<string | null>,
): Promise<ResumeDecision> {
  const current = first.ok ? first.info.instance : await instance();
  if (current !== null && !sameInstance(point, current)) {
    throw new HttpError(
      failure(410, "gone", "The stream was deleted and re-created since this event id; read it again from offset -1"),
    );
  }
  if (!first.ok) throw new HttpError(first);
  return first.eof && first.count === 0 ? "closed" : "stream";
}
