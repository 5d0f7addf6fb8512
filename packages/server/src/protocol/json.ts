/**
 * JSON mode (PROTOCOL.md §9.1): validate an append body and split it into
 * messages, flattening exactly one level of a top-level array. Each message
 * keeps its original text (trimmed), so reads return the bytes written.
 */
import { failure, type Failure } from "./errors.js";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
const encoder = new TextEncoder();

/** Splits a JSON body into message byte arrays; `allowEmpty` permits `[]` (PUT). */
export function splitJsonMessages(body: Uint8Array, allowEmpty: boolean): Uint8Array[] | Failure {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return failure(400, "invalid_json", "JSON body is not valid UTF-8");
  }
  try {
    JSON.parse(text);
  } catch (e) {
    return failure(400, "invalid_json", `Body is not valid JSON: ${(e as Error).message}`);
  }
  const trimmed = text.trim();
  if (!trimmed.startsWith("[")) return [encoder.encode(trimmed)];
  const elements = topLevelElements(trimmed);
  if (elements.length === 0 && !allowEmpty) {
    return failure(400, "invalid_json", "Empty JSON array appends nothing; send at least one message");
  }
  return elements.map((e) => encoder.encode(e));
}

/** The trimmed source text of each element of an already-validated JSON array. */
export function topLevelElements(arrayText: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inString = false;
  let start = 1;
  for (let i = 0; i < arrayText.length; i++) {
    const c = arrayText.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) depth++;
    else if (c === 0x5d || c === 0x7d) {
      depth--;
      if (depth === 0) {
        const last = arrayText.slice(start, i).trim();
        if (last !== "" || out.length > 0) out.push(last);
        break;
      }
    } else if (c === 0x2c && depth === 1) {
      out.push(arrayText.slice(start, i).trim());
      start = i + 1;
    }
  }
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
