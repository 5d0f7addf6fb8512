/**
 * The per-minute record of a project or a stream: counters that add up,
 * gauges that keep the minute's maximum, and the fan-out latency histogram.
 * Pure; merged the same way in isolates, in the MetricsDO and in queries.
 */
import { mergeInto, quantile, type Histogram } from "./histogram.js";

/** Counters: summed when records merge. */
export const COUNTERS = [
  "appends",
  "bytesIn",
  "reads",
  "bytesOut",
  "liveDeliveries",
  "sseOpened",
  "longPollsOpened",
  "status4xx",
  "status5xx",
  "estuaryPublishes",
  "estuaryDeliveries",
  "estuaryFailures",
] as const;
/** Gauges: the maximum seen in the minute. */
export const GAUGES = ["subscriberLag"] as const;

/**
 * Readers held at once, by mode: each isolate reports its peak of the minute,
 * and a point adds the isolates' peaks up (readers of one stream are spread
 * over many edge isolates in production, each holding its own).
 */
export const HELD = ["sseReaders", "longPollReaders"] as const;
/** Isolates kept apart per record; more fold into one entry by maximum (a bound, so it can undercount). */
export const MAX_ISOLATES = 256;
const OTHER_ISOLATES = "~";

/** A held-readers gauge name. */
export type Held = (typeof HELD)[number];

/** A counter name. */
export type Counter = (typeof COUNTERS)[number];
/** A gauge name. */
export type Gauge = (typeof GAUGES)[number];

/** One minute (or a rolled-up range) of a project or stream. */
export interface MinuteRecord {
  c: Partial<Record<Counter, number>>;
  g: Partial<Record<Gauge, number>>;
  /** Fan-out latency (ms, append commit to session append). */
  h: Histogram;
  /** Readers held: each isolate's peak in the minute, by isolate id (absent in rows stored before it). */
  r?: Record<string, Partial<Record<Held, number>>>;
}

/** An empty record. */
export function emptyRecord(): MinuteRecord {
  return { c: {}, g: {}, h: {} };
}

/** Merges `from` into `into` (in place) and returns `into`. */
export function mergeRecord(into: MinuteRecord, from: MinuteRecord): MinuteRecord {
  for (const [k, v] of Object.entries(from.c) as [Counter, number][]) into.c[k] = (into.c[k] ?? 0) + v;
  for (const [k, v] of Object.entries(from.g) as [Gauge, number][]) into.g[k] = Math.max(into.g[k] ?? 0, v);
  mergeInto(into.h, from.h);
  if (from.r) {
    const r = (into.r ??= {});
    for (const [isolate, peaks] of Object.entries(from.r)) {
      const id = isolate in r || Object.keys(r).length < MAX_ISOLATES ? isolate : OTHER_ISOLATES;
      const cur = (r[id] ??= {});
      for (const [k, v] of Object.entries(peaks) as [Held, number][]) cur[k] = Math.max(cur[k] ?? 0, v);
    }
  }
  return into;
}

/** The readers held in a record: the sum of the isolates' peaks. */
export function heldOf(r: MinuteRecord, field: Held): number {
  let n = 0;
  for (const peaks of Object.values(r.r ?? {})) n += peaks[field] ?? 0;
  return n;
}

/** How busy a record is (which streams an isolate keeps when it must drop some). */
export function activity(r: MinuteRecord): number {
  return (r.c.appends ?? 0) + (r.c.reads ?? 0) + (r.c.liveDeliveries ?? 0) + (r.c.estuaryDeliveries ?? 0);
}

/** A point of a metrics response: every counter and gauge (0 when absent) and p50/p99. */
export function pointOf(t: number, r: MinuteRecord): Record<string, number | null> {
  const out: Record<string, number | null> = { t };
  for (const k of COUNTERS) out[k] = r.c[k] ?? 0;
  for (const k of GAUGES) out[k] = r.g[k] ?? 0;
  for (const k of HELD) out[k] = heldOf(r, k);
  out.fanoutP50 = quantile(r.h, 0.5);
  out.fanoutP99 = quantile(r.h, 0.99);
  return out;
}

/**
 * Rolls minute records up into buckets of `resolutionMin` minutes, aligned to
 * multiples of the resolution (so charts of overlapping ranges agree), covering
 * [fromMin, toMin).
 */
export function rollUp(
  rows: readonly { minute: number; record: MinuteRecord }[],
  fromMin: number,
  toMin: number,
  resolutionMin: number,
): Record<string, number | null>[] {
  const buckets = new Map<number, MinuteRecord>();
  const first = Math.floor(fromMin / resolutionMin) * resolutionMin;
  for (const { minute, record } of rows) {
    const start = Math.floor(minute / resolutionMin) * resolutionMin;
    mergeRecord(buckets.get(start) ?? buckets.set(start, emptyRecord()).get(start)!, record);
  }
  const out: Record<string, number | null>[] = [];
  for (let m = first; m < toMin; m += resolutionMin) out.push(pointOf(m * 60_000, buckets.get(m) ?? emptyRecord()));
  return out;
}
