/**
 * SSE event ids (`id:` lines) from which a server resumes a plain EventSource
 * exactly: the browser sends the last one back as `Last-Event-ID` when it
 * reconnects. The id is `<offset>:<cursor>:<tag>` — the next offset to read
 * (the protocol's own token, so a page can also put it in `?offset=`), the
 * cursor to move past, and a tag of the stream instance, so an id from a
 * deleted stream is never taken as a position in a re-created one.
 */
import { parseOffset, type Offset } from "./offset.js";

/** Where a resumed SSE response continues. */
export interface SseResumePoint {
  readonly offset: Offset;
  readonly cursor: string;
  /** The first characters of the stream instance the id was issued for. */
  readonly tag: string;
}

/** How many characters of the stream instance an id carries (16^8 instances tell apart). */
export const INSTANCE_TAG_LENGTH = 8;

const ID_RE = /^(\d{16}_\d{16}):(\d{1,15}):([0-9A-Za-z]{1,16})$/;

/** The tag of a stream instance, as carried in event ids. */
export function instanceTag(instance: string): string {
  return instance.slice(0, INSTANCE_TAG_LENGTH);
}

/** Encodes the id of an event after which a reader continues at `offset`. */
export function encodeEventId(offset: string, cursor: string, instance: string): string {
  return `${offset}:${cursor}:${instanceTag(instance)}`;
}

/** Parses a `Last-Event-ID` header; undefined when it is not an id this server issued. */
export function parseEventId(value: string): SseResumePoint | undefined {
  const m = ID_RE.exec(value.trim());
  if (!m) return undefined;
  const offset = parseOffset(m[1]!);
  if (!offset) return undefined;
  return { offset, cursor: m[2]!, tag: m[3]! };
}

/** True when an id's tag names this stream instance. */
export function sameInstance(point: SseResumePoint, instance: string): boolean {
  return instanceTag(instance) === point.tag;
}
