/** Reads a metrics query (`stream`, `from`, `to`, `resolution`) once; shared by HTTP and RPC. */
import { failure, type Failure } from "../protocol/errors.js";
import type { MetricsQuery } from "../metrics/metrics-do.js";
import { RETENTION_MIN } from "../metrics/metrics-do.js";

/** Resolutions a query may ask for, in seconds. */
export const RESOLUTIONS = [60, 300, 900, 3600] as const;

/** The raw options (query string values or RPC arguments). */
export interface MetricsOptions {
  stream?: string;
  /** ISO time or ms since epoch; default one hour before `to`. */
  from?: string | number;
  /** ISO time or ms since epoch; default now. */
  to?: string | number;
  /** Seconds per point: 60, 300, 900 or 3600 (default 60). */
  resolution?: string | number;
}

function instant(v: string | number | undefined, fallback: number): number | null {
  if (v === undefined || v === "") return fallback;
  const n = typeof v === "number" ? v : /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  return Number.isFinite(n) ? n : null;
}

/** Validates a metrics query. */
export function parseMetricsQuery(o: MetricsOptions, now: number): MetricsQuery | Failure {
  const bad = (m: string) => failure(400, "bad_request", m);
  const to = instant(o.to, now);
  if (to === null) return bad("to must be an ISO time or ms since epoch");
  const from = instant(o.from, to - 3_600_000);
  if (from === null) return bad("from must be an ISO time or ms since epoch");
  if (from >= to) return bad("from must be before to");
  if (to - from > RETENTION_MIN * 60_000) return bad(`a range spans at most ${RETENTION_MIN / 60} hours`);
  const resolution = Number(o.resolution ?? 60);
  if (!(RESOLUTIONS as readonly number[]).includes(resolution)) {
    return bad(`resolution must be one of ${RESOLUTIONS.join(", ")} seconds`);
  }
  const stream = o.stream === undefined || o.stream === "" ? null : o.stream;
  if (stream !== null && stream.length > 1024) return bad("stream names are at most 1024 characters");
  return { stream, fromMs: from, toMs: to, resolutionMin: resolution / 60 };
}
