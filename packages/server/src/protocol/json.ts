/**
 * JSON mode (PROTOCOL.md §9.1): validate an append body and split it into
 * messages, flattening exactly one level of a top-level array. Each message
 * keeps its original bytes (trimmed of JSON whitespace), so reads return the
 * bytes written. The scan works on bytes (protocol/json-scan.ts).
 */
import { failure, type Failure } from "./errors.js";
import { JsonScanner } from "./json-scan.js";

/**
 * Splits a JSON body into message byte arrays (views of `body`, no copies);
 * `allowEmpty` permits `[]` (PUT); more than `maxMessages` messages is 413.
 */
export function splitJsonMessages(
  body: Uint8Array,
  allowEmpty: boolean,
  maxMessages = Number.MAX_SAFE_INTEGER,
): Uint8Array[] | Failure {
  const scan = new JsonScanner(maxMessages);
  const err = scan.push(body) ?? scan.finish();
  if (err) return err;
  return emptyArrayCheck(scan, allowEmpty) ?? viewsOf(scan.bounds, body);
}

/** 400 for an empty top-level array when it appends nothing. */
export function emptyArrayCheck(scan: JsonScanner, allowEmpty: boolean): Failure | null {
  if (scan.count > 0 || allowEmpty) return null;
  return failure(400, "invalid_json", "Empty JSON array appends nothing; send at least one message");
}

function viewsOf(bounds: readonly number[], body: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bounds.length; i += 2) out.push(body.subarray(bounds[i], bounds[i + 1]));
  return out;
}

const COMMA = 0x2c;

/** Joins stored messages with commas: the inside of a JSON array body. */
export function joinMessages(messages: readonly Uint8Array[]): Uint8Array {
  let size = Math.max(0, messages.length - 1);
  for (const m of messages) size += m.length;
  const out = new Uint8Array(size);
  let at = 0;
  messages.forEach((m, i) => {
    if (i > 0) out[at++] = COMMA;
    out.set(m, at);
    at += m.length;
  });
  return out;
}

/** Concatenates two comma-joined message lists (either may be empty). */
export function concatMessageLists(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + 1 + b.length);
  out.set(a, 0);
  out[a.length] = COMMA;
  out.set(b, a.length + 1);
  return out;
}

/** Wraps comma-joined messages into a JSON array body. */
export function frameJsonArray(joined: Uint8Array): Uint8Array {
  const out = new Uint8Array(joined.length + 2);
  out[0] = 0x5b;
  out.set(joined, 1);
  out[joined.length + 1] = 0x5d;
  return out;
}
