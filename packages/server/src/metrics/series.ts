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
  return into;
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
