/**
 * A subscription's configuration (PROTOCOL.md §6.2): read once from the PUT
 * body, normalized (sorted, de-duplicated streams) and hashed, so a re-PUT of
 * the same configuration is recognised and a different one is a 409.
 */
import { matchesPattern, patternProblem } from "../auth/patterns.js";
import { webhookUrlProblem } from "./ssrf.js";

/** A validated, normalized subscription configuration. */
export interface SubConfig {
  readonly type: "webhook" | "pull-wake";
  readonly pattern: string | null;
  readonly streams: readonly string[];
  readonly webhookUrl: string | null;
  readonly wakeStream: string | null;
  readonly leaseTtlMs: number;
  readonly description: string | null;
}

/** Why a body was refused: a code the suite knows and a message. */
export interface ConfigError {
  readonly code: "bad_request" | "WEBHOOK_URL_REJECTED";
  readonly message: string;
}

const DEFAULT_LEASE_MS = 30_000;
const MAX_STREAMS = 1_000;
const ID_RE = /^[A-Za-z0-9._~-]{1,128}$/;

/** True for a usable subscription id (client-chosen, one URL segment). */
export function validId(id: string): boolean {
  return ID_RE.test(id);
}

/** Why a stream-root-relative path is unusable, or null. */
export function pathProblem(p: unknown): string | null {
  if (typeof p !== "string" || p.length === 0 || p.length > 1024) return "stream paths are 1-1024 characters";
  for (const seg of p.split("/")) {
    if (seg === "" || seg === "." || seg === ".." || seg === "__ds") return `"${p}" is not a valid stream path`;
    if (seg.includes("*")) return `"${p}": stream paths cannot contain '*'`;
  }
  return null;
}

/** Validates a list of explicit stream paths (sorted, de-duplicated). */
export function parseStreams(v: unknown): string[] | ConfigError {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.length > MAX_STREAMS)
    return bad(`"streams" must be a list of at most ${MAX_STREAMS} paths`);
  for (const p of v) {
    const problem = pathProblem(p);
    if (problem) return bad(problem);
  }
  return [...new Set(v as string[])].sort();
}

function bad(message: string): ConfigError {
  return { code: "bad_request", message };
}

/** Reads a PUT body; `allowLoopback` is the dev-only SSRF exception. */
export function parseConfig(body: unknown, allowLoopback: boolean): SubConfig | ConfigError {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return bad("The body must be a JSON object");
  const b = body as Record<string, unknown>;
  if (b.type !== "webhook" && b.type !== "pull-wake") return bad('"type" must be "webhook" or "pull-wake"');
  let pattern: string | null = null;
  if (b.pattern !== undefined) {
    if (typeof b.pattern !== "string") return bad('"pattern" must be a string');
    const problem = patternProblem(b.pattern);
    if (problem) return bad(`"pattern": ${problem}`);
    pattern = b.pattern;
  }
  const streams = parseStreams(b.streams);
  if (!Array.isArray(streams)) return streams;
  if (pattern === null && streams.length === 0) return bad('At least one of "pattern" or "streams" is required');
  let leaseTtlMs = DEFAULT_LEASE_MS;
  if (b.lease_ttl_ms !== undefined) {
    const n = b.lease_ttl_ms;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1_000 || n > 600_000) {
      return bad('"lease_ttl_ms" must be an integer from 1000 to 600000');
    }
    leaseTtlMs = n;
  }
  let description: string | null = null;
  if (b.description !== undefined && b.description !== null) {
    if (typeof b.description !== "string" || b.description.length > 1024) {
      return bad('"description" must be a string of at most 1024 characters');
    }
    description = b.description;
  }
  let webhookUrl: string | null = null;
  let wakeStream: string | null = null;
  if (b.type === "webhook") {
    const w = b.webhook as Record<string, unknown> | undefined;
    if (typeof w !== "object" || w === null || typeof w.url !== "string") return bad('"webhook.url" is required');
    const problem = webhookUrlProblem(w.url, allowLoopback);
    if (problem) return { code: "WEBHOOK_URL_REJECTED", message: problem };
    webhookUrl = new URL(w.url).href;
  } else {
    const problem = pathProblem(b.wake_stream);
    if (problem) return bad(`"wake_stream" is required: ${problem}`);
    wakeStream = b.wake_stream as string;
    // A wake event appended to a covered stream would wake the subscription again, forever.
    if (covers({ pattern, streams }, wakeStream)) return bad('"wake_stream" must not be one of the covered streams');
  }
  return { type: b.type, pattern, streams, webhookUrl, wakeStream, leaseTtlMs, description };
}

/** Whether a subscription's pattern or explicit list reaches `path`. */
export function covers(c: { pattern: string | null; streams: readonly string[] }, path: string): boolean {
  return c.streams.includes(path) || (c.pattern !== null && matchesPattern(c.pattern, path));
}

/** The hash that decides whether a re-PUT is identical (SHA-256 over the normalized fields). */
export async function configHash(c: SubConfig): Promise<string> {
  const canon = JSON.stringify([c.type, c.pattern, c.streams, c.webhookUrl, c.wakeStream, c.leaseTtlMs, c.description]);
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canon));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
