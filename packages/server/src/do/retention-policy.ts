/**
 * Per-stream retention: the limits a stream keeps (bytes, messages, seconds
 * of history), read from request headers and bounded by the project's
 * defaults and caps, and the pure rule that turns limits plus the stream's
 * sealed segments into how far history may be trimmed. Trimming is
 * segment-granular (whole sealed segments go), so a stream keeps at least
 * what its limits ask for and at most one segment more.
 */
import { failure, type Failure } from "../protocol/errors.js";
import { parseDecimal } from "../protocol/parse.js";

/** A stream's retention limits; null is "no limit". */
export interface Retention {
  readonly bytes: number | null;
  readonly messages: number | null;
  readonly seconds: number | null;
}

/** Retention limits as a request gives them: absent fields are left as they are (PATCH) or defaulted (PUT). */
export type RetentionPatch = { -readonly [K in keyof Retention]?: number | null };

/** A project's retention defaults and caps (docs/auth.md, project config `retention`). */
export interface ProjectRetention {
  readonly defaults: Retention;
  readonly caps: Retention;
}

/** No limits at all. */
export const NO_RETENTION: Retention = { bytes: null, messages: null, seconds: null };

/** The request headers that set retention, by limit. */
export const RETENTION_HEADERS = {
  bytes: "stream-retention-bytes",
  messages: "stream-retention-messages",
  seconds: "stream-retention-seconds",
} as const;

/** The response header naming the earliest offset still stored (HEAD, and 410 before it). */
export const START_OFFSET_HEADER = "stream-start-offset";
/** The request header of PATCH that trims history before an offset. */
export const TRIM_BEFORE_HEADER = "stream-trim-before";

const KEYS = ["bytes", "messages", "seconds"] as const;
/** Largest limit accepted (about 9e15: a safe integer). */
const MAX_LIMIT = Number.MAX_SAFE_INTEGER;

/** The retention headers of a request (`0` clears a limit); a Failure names the bad one. */
export function parseRetentionHeaders(headers: Headers): RetentionPatch | Failure {
  const out: RetentionPatch = {};
  for (const k of KEYS) {
    const raw = headers.get(RETENTION_HEADERS[k]);
    if (raw === null) continue;
    const n = parseDecimal(raw.trim());
    if (n === undefined || n > MAX_LIMIT) {
      return failure(400, "invalid_header", `${RETENTION_HEADERS[k]} must be a non-negative integer (0 = no limit)`);
    }
    out[k] = n === 0 ? null : n;
  }
  return out;
}

/**
 * The limits a stream gets from `patch` over `base` (a new stream's base is
 * the project default), refused when one is above the project's cap (an
 * unset limit counts as above any cap).
 */
export function applyRetention(base: Retention, patch: RetentionPatch, caps: Retention): Retention | Failure {
  const out: Record<string, number | null> = {};
  for (const k of KEYS) {
    let v = patch[k] === undefined ? base[k] : patch[k]!;
    const cap = caps[k];
    // A default left unset under a cap takes the cap.
    if (v === null && cap !== null && patch[k] === undefined) v = cap;
    if (cap !== null && (v === null || v > cap)) {
      return failure(
        400,
        "retention_above_cap",
        `${RETENTION_HEADERS[k]} may be at most ${cap} in this project (0 / no limit is not allowed)`,
      );
    }
    out[k] = v;
  }
  return out as unknown as Retention;
}

/** True when a patch changes nothing. */
export function isEmptyPatch(p: RetentionPatch): boolean {
  return KEYS.every((k) => p[k] === undefined);
}

/** A sealed segment as retention sees it. */
export interface AgedSegment {
  readonly end: number;
  readonly messages: number;
  /** When it was sealed (ms); its newest message is about that old. */
  readonly sealedAt: number;
}

/**
 * How far `limits` allow history to be trimmed: the end of the newest
 * segment every limit lets go (0 when none). `segments` are ascending;
 * `hot` is what follows them (bytes to the tail, messages not sealed).
 */
export function retentionTarget(
  limits: Retention,
  segments: readonly AgedSegment[],
  tail: number,
  hotMessages: number,
  now: number,
): number {
  let target = 0;
  if (limits.bytes !== null) {
    for (const s of segments) if (tail - s.end >= limits.bytes) target = Math.max(target, s.end);
  }
  if (limits.messages !== null) {
    let after = hotMessages;
    for (let i = segments.length - 1; i >= 0; i--) {
      const s = segments[i]!;
      if (after >= limits.messages) {
        target = Math.max(target, s.end);
        break;
      }
      after += s.messages;
    }
  }
  if (limits.seconds !== null) {
    const cutoff = now - limits.seconds * 1000;
    for (const s of segments) if (s.sealedAt <= cutoff) target = Math.max(target, s.end);
  }
  return target;
}

/** When the oldest segment a seconds limit keeps becomes trimmable, or null. */
export function nextAgeTrim(limits: Retention, segments: readonly AgedSegment[], now: number): number | null {
  if (limits.seconds === null) return null;
  const cutoff = now - limits.seconds * 1000;
  const next = segments.find((s) => s.sealedAt > cutoff);
  return next ? next.sealedAt + limits.seconds * 1000 : null;
}
