/**
 * Validation of the protocol's request headers. Each parser returns the value
 * or a Failure; nothing here touches storage.
 */
import { failure, type Failure } from "./errors.js";
import { H } from "./headers.js";

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const DECIMAL_RE = /^(0|[1-9]\d*)$/;
const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MEDIA_TYPE_RE = new RegExp(`^${TOKEN}/${TOKEN}$`);

/** What the parsers read headers through (a `Headers`, or a test double that keeps raw values). */
export interface HeaderSource {
  get(name: string): string | null;
}

/**
 * A header value without surrounding whitespace (null when absent). The Fetch
 * spec strips it, but workerd hands incoming values over as sent, and an
 * opaque value such as `Stream-Seq: m5 ` must compare equal to `m5`.
 */
export function headerValue(headers: HeaderSource, name: string): string | null {
  const v = headers.get(name);
  return v === null ? null : v.replace(/^[ \t]+|[ \t]+$/g, "");
}

/** Stream lifetime settings from `Stream-TTL` / `Stream-Expires-At`. */
export interface Expiry {
  readonly ttlSeconds: number | null;
  readonly expiresAtMs: number | null;
}

/** `Stream-Closed` counts only when it is exactly `true` (any case); other values are ignored. */
export function isClosedHeader(value: string | null): boolean {
  return value !== null && value.trim().toLowerCase() === "true";
}

/** The media type essence (`type/subtype`, lower-cased) used for comparisons. */
export function mediaTypeEssence(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

/** Validates a Content-Type header value; returns its essence or a Failure. */
export function parseContentType(value: string): string | Failure {
  const essence = mediaTypeEssence(value);
  if (!MEDIA_TYPE_RE.test(essence)) {
    return failure(400, "invalid_header", `Content-Type "${value}" is not a valid media type`);
  }
  return essence;
}

/** True when stream data of this type is JSON mode (PROTOCOL.md §9.1). */
export function isJsonType(contentType: string): boolean {
  return mediaTypeEssence(contentType) === "application/json";
}

/** True when SSE carries this type as text; everything else is base64 (PROTOCOL.md §5.8). */
export function isTextType(contentType: string): boolean {
  const essence = mediaTypeEssence(contentType);
  return essence.startsWith("text/") || essence === "application/json";
}

/** Parses a non-negative decimal integer (no sign, no leading zeros) up to 2^53-1. */
export function parseDecimal(value: string): number | undefined {
  const v = value.trim();
  if (!DECIMAL_RE.test(v)) return undefined;
  const n = Number(v);
  return n <= MAX_SAFE ? n : undefined;
}

/** Parses a producer counter: decimal digits (leading zeros allowed) up to 2^53-1. */
function parseCounter(value: string): number | undefined {
  const v = value.trim();
  if (!/^\d{1,16}$/.test(v)) return undefined;
  const n = Number(v);
  return n <= MAX_SAFE ? n : undefined;
}

/** Parses an RFC 3339 timestamp to epoch milliseconds. */
export function parseRfc3339(value: string): number | undefined {
  const text = value.trim();
  const m = RFC3339_RE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, hh, mi, ss] = m.map(Number) as number[];
  const daysInMonth = new Date(Date.UTC(y!, mo!, 0)).getUTCDate();
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > daysInMonth || hh! > 23 || mi! > 59 || ss! > 60) return undefined;
  // A leap second (:60) is a valid RFC 3339 time; Date.parse rejects it, so parse :59 and add one.
  const leap = ss === 60 ? 1000 : 0;
  const ms = Date.parse((leap ? text.replace(/:60(?=[.Zz+-])/, ":59") : text).replace(" ", "T"));
  return Number.isFinite(ms) ? ms + leap : undefined;
}

/** Reads `Stream-TTL` and `Stream-Expires-At`; both at once is a 400. */
export function parseExpiry(headers: HeaderSource): Expiry | Failure {
  const ttlRaw = headerValue(headers, H.streamTtl);
  const expRaw = headerValue(headers, H.streamExpiresAt);
  if (ttlRaw !== null && expRaw !== null) {
    return failure(400, "invalid_header", "Stream-TTL and Stream-Expires-At cannot both be set");
  }
  if (ttlRaw !== null) {
    const ttl = parseDecimal(ttlRaw);
    if (ttl === undefined) {
      return failure(400, "invalid_header", "Stream-TTL must be a non-negative integer number of seconds");
    }
    return { ttlSeconds: ttl, expiresAtMs: null };
  }
  if (expRaw !== null) {
    const at = parseRfc3339(expRaw);
    if (at === undefined) {
      return failure(400, "invalid_header", "Stream-Expires-At must be an RFC 3339 timestamp");
    }
    return { ttlSeconds: null, expiresAtMs: at };
  }
  return { ttlSeconds: null, expiresAtMs: null };
}

/** The idempotent-producer triple from `Producer-Id/Epoch/Seq`. */
export interface ProducerHeaders {
  readonly id: string;
  readonly epoch: number;
  readonly seq: number;
}

/** Reads the producer headers: all three or none (PROTOCOL.md §5.2.1). */
export function parseProducer(headers: HeaderSource): ProducerHeaders | null | Failure {
  const id = headerValue(headers, H.producerId);
  const epoch = headerValue(headers, H.producerEpoch);
  const seq = headerValue(headers, H.producerSeq);
  if (id === null && epoch === null && seq === null) return null;
  if (id === null || epoch === null || seq === null) {
    return failure(400, "invalid_header", "Producer-Id, Producer-Epoch and Producer-Seq must be sent together");
  }
  if (id === "") return failure(400, "invalid_header", "Producer-Id must not be empty");
  if (id.length > 256) return failure(400, "invalid_header", "Producer-Id is longer than 256 characters");
  const e = parseCounter(epoch);
  const s = parseCounter(seq);
  if (e === undefined) return failure(400, "invalid_header", "Producer-Epoch must be an integer in 0..2^53-1");
  if (s === undefined) return failure(400, "invalid_header", "Producer-Seq must be an integer in 0..2^53-1");
  return { id, epoch: e, seq: s };
}

/** Reads `Stream-Seq` (opaque, compared byte-wise); empty is malformed. */
export function parseStreamSeq(headers: HeaderSource): string | null | Failure {
  const v = headerValue(headers, H.streamSeq);
  if (v === null) return null;
  if (v === "" || v.length > 256) return failure(400, "invalid_header", "Stream-Seq must be 1-256 characters");
  return v;
}

/** Byte-wise (UTF-8) lexicographic comparison, as Stream-Seq requires. */
export function compareBytes(a: string, b: string): number {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  const n = Math.min(ea.length, eb.length);
  for (let i = 0; i < n; i++) {
    if (ea[i] !== eb[i]) return ea[i]! - eb[i]!;
  }
  return ea.length - eb.length;
}

/** True when a value is a Failure (narrowing helper for parser results). */
export function isFailure(v: unknown): v is Failure {
  return typeof v === "object" && v !== null && (v as { ok?: unknown }).ok === false;
}
