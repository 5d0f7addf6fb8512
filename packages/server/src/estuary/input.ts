/**
 * Validation of estuary request bodies: `{"estuaryId": "...", "ttlSeconds"?: n}`
 * for subscribe / unsubscribe, `{"ttlSeconds"?: n}` (or no body) for refresh.
 * Returns the parsed value or a 400 Failure; nothing is changed before this passes.
 */
import { failure, type Failure } from "../protocol/errors.js";
import { estuaryIdProblem } from "./ids.js";

/** A subscribe / unsubscribe body. */
export interface SubscribeBody {
  readonly estuaryId: string;
  readonly ttlSeconds: number | null;
}

const MAX_BODY_CHARS = 4096;

/** Parses JSON text of at most a few KiB into an object. */
export function parseObject(text: string, allowEmpty: boolean): Record<string, unknown> | Failure {
  if (text.trim() === "" && allowEmpty) return {};
  if (text.length > MAX_BODY_CHARS)
    return failure(413, "payload_too_large", `Body is larger than ${MAX_BODY_CHARS} bytes`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return failure(400, "invalid_json", "Body must be a JSON object");
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    return failure(400, "invalid_json", "Body must be a JSON object");
  }
  return v as Record<string, unknown>;
}

/** Reads an optional `ttlSeconds` (1..max). */
export function parseTtl(o: Record<string, unknown>, max: number): number | null | Failure {
  const t = o.ttlSeconds;
  if (t === undefined || t === null) return null;
  if (typeof t !== "number" || !Number.isInteger(t) || t < 1 || t > max) {
    return failure(400, "bad_request", `"ttlSeconds" must be an integer from 1 to ${max}`);
  }
  return t;
}

/** Reads a subscribe / unsubscribe body. */
export function parseSubscribeBody(o: Record<string, unknown>, maxTtl: number): SubscribeBody | Failure {
  const problem = estuaryIdProblem(o.estuaryId);
  if (problem) return failure(400, "bad_request", problem);
  const ttl = parseTtl(o, maxTtl);
  if (ttl !== null && typeof ttl === "object") return ttl;
  for (const k of Object.keys(o)) {
    if (k !== "estuaryId" && k !== "ttlSeconds") return failure(400, "bad_request", `Unknown field "${k}"`);
  }
  return { estuaryId: o.estuaryId as string, ttlSeconds: ttl };
}
