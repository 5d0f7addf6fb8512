/**
 * Per-isolate metrics aggregation. Edge requests and objects count into
 * memory, keyed by project and minute; at most every METRICS_FLUSH_MS the
 * isolate sends everything it holds to each project's MetricsDO in one RPC
 * (so a project's object takes about one write per active isolate per flush
 * interval, however many requests there were). Per-stream records are kept
 * for the busiest STREAMS_PER_FLUSH streams of each project-minute; the rest
 * count in the project's totals only. A failed flush is merged back and sent
 * with the next one; an isolate evicted before it flushes loses at most one
 * interval of its own counts.
 */
import type { Env } from "../env.js";
import { readCatalogConfig } from "../catalog/config.js";
import { observe as observeMs } from "./histogram.js";
import { isolateId } from "../isolate-id.js";
import {
  activity,
  emptyRecord,
  mergeRecord,
  type Counter,
  type Gauge,
  type Held,
  type MinuteRecord,
} from "./series.js";

/** Streams kept per project-minute in one isolate (memory bound). */
export const STREAMS_PER_MINUTE = 1_000;
/** Streams sent per project-minute in one flush: the busiest. */
export const STREAMS_PER_FLUSH = 100;

/** One project-minute as sent to the MetricsDO. */
export interface MinuteBatch {
  readonly minute: number;
  readonly project: MinuteRecord;
  readonly streams: Record<string, MinuteRecord>;
}

interface Pending {
  project: MinuteRecord;
  streams: Map<string, MinuteRecord>;
}

const pending = new Map<string, Map<number, Pending>>();
let lastFlush = Date.now();
let flushing = false;
/** The env of the Durable Object that runs in this isolate (objects flush on a timer, not per request). */
let objectEnv: Env | null = null;
let timer: ReturnType<typeof setTimeout> | null = null;

/** False when CATALOG_ENABLED is "false" (a benchmark baseline): nothing is recorded. */
let recording = true;

/** Applies CATALOG_ENABLED of `env` to this isolate's recorder. */
export function configureRecording(env: Env): boolean {
  recording = readCatalogConfig(env).enabled;
  return recording;
}

/** What this isolate's recorder did (the bench reads `metricsFlushes` per append). */
export const recorderCounters = { metricsFlushes: 0, metricsFlushFailures: 0 };

function slot(project: string, stream: string | null, now: number): MinuteRecord[] {
  const minute = Math.floor(now / 60_000);
  const byMinute = pending.get(project) ?? pending.set(project, new Map()).get(project)!;
  const p = byMinute.get(minute) ?? byMinute.set(minute, { project: emptyRecord(), streams: new Map() }).get(minute)!;
  if (stream === null) return [p.project];
  let s = p.streams.get(stream);
  if (!s && p.streams.size < STREAMS_PER_MINUTE) p.streams.set(stream, (s = emptyRecord()));
  return s ? [p.project, s] : [p.project];
}

/** Adds `n` to a counter of the project (and of the stream, when named). */
export function count(project: string, stream: string | null, field: Counter, n = 1, now = Date.now()): void {
  if (n === 0 || !recording) return;
  for (const r of slot(project, stream, now)) r.c[field] = (r.c[field] ?? 0) + n;
}

/** Raises a gauge to `value` for this minute. */
export function gauge(project: string, stream: string | null, field: Gauge, value: number, now = Date.now()): void {
  if (!recording) return;
  for (const r of slot(project, stream, now)) r.g[field] = Math.max(r.g[field] ?? 0, value);
}

/** Raises this isolate's peak of readers held to `value`, for the stream when named, else for the project. */
export function held(project: string, stream: string | null, field: Held, value: number, now = Date.now()): void {
  if (!recording) return;
  const r = slot(project, stream, now).at(-1)!;
  if (stream !== null && r === slot(project, null, now)[0]) return; // the stream did not fit in this minute
  const peaks = ((r.r ??= {})[isolateId()] ??= {});
  peaks[field] = Math.max(peaks[field] ?? 0, value);
}

const beforeDrain: (() => void)[] = [];
/** Runs `fn` before each drain (to record levels that last across minutes). */
export function onDrain(fn: () => void): void {
  beforeDrain.push(fn);
}

/** Records one fan-out latency (ms). */
export function observeLatency(project: string, stream: string | null, ms: number, now = Date.now()): void {
  if (!recording) return;
  for (const r of slot(project, stream, now)) observeMs(r.h, ms);
}

/** Takes everything pending, per project, with each minute's streams cut to the busiest. */
export function drain(): Map<string, MinuteBatch[]> {
  for (const fn of beforeDrain) fn();
  const out = new Map<string, MinuteBatch[]>();
  for (const [project, byMinute] of pending) {
    const batches: MinuteBatch[] = [];
    for (const [minute, p] of byMinute) {
      const top = [...p.streams].sort((a, b) => activity(b[1]) - activity(a[1])).slice(0, STREAMS_PER_FLUSH);
      batches.push({ minute, project: p.project, streams: Object.fromEntries(top) });
    }
    out.set(project, batches);
  }
  pending.clear();
  return out;
}

/** Puts a batch that could not be sent back in front of newer counts. */
function restore(project: string, batches: readonly MinuteBatch[]): void {
  for (const b of batches) {
    const [p] = slot(project, null, b.minute * 60_000);
    mergeRecord(p!, b.project);
    for (const [name, r] of Object.entries(b.streams)) {
      const s = slot(project, name, b.minute * 60_000)[1];
      if (s) mergeRecord(s, r);
    }
  }
}

/** A Durable Object's isolate: counts recorded here are flushed on a timer with this env. */
export function bindObjectEnv(env: Env): void {
  objectEnv = env;
  configureRecording(env);
}

/** In an object's isolate: flushes within one interval (edge requests flush through `flushIfDue`). */
export function scheduleFlush(): void {
  const env = objectEnv;
  if (!env || timer !== null) return;
  timer = setTimeout(() => {
    timer = null;
    void flushNow(env);
  }, readCatalogConfig(env).metricsFlushMs);
}

/** Sends what is pending when the flush interval has passed; hand the promise to `waitUntil`. */
export function flushIfDue(env: Env, now = Date.now()): Promise<void> | null {
  if (flushing || pending.size === 0 || now - lastFlush < readCatalogConfig(env).metricsFlushMs) return null;
  return flushNow(env);
}

/** Sends everything pending to the projects' MetricsDOs (and Analytics Engine when bound). */
export async function flushNow(env: Env): Promise<void> {
  const ns = env.METRICS;
  if (!ns) {
    pending.clear();
    return;
  }
  flushing = true;
  lastFlush = Date.now();
  try {
    await Promise.all(
      [...drain()].map(async ([project, batches]) => {
        try {
          recorderCounters.metricsFlushes += 1;
          await ns.get(ns.idFromName(project)).ingest(batches);
          for (const b of batches) writeAnalytics(env, project, b);
        } catch (e) {
          recorderCounters.metricsFlushFailures += 1;
          console.error(
            JSON.stringify({ msg: "metrics flush failed; kept for the next one", project, error: String(e) }),
          );
          restore(project, batches);
        }
      }),
    );
  } finally {
    flushing = false;
  }
}

/** Also writes a project-minute to Analytics Engine when the ANALYTICS dataset is bound (optional). */
function writeAnalytics(env: Env, project: string, b: MinuteBatch): void {
  if (!env.ANALYTICS) return;
  const c = b.project.c;
  env.ANALYTICS.writeDataPoint({
    indexes: [project],
    blobs: [project, String(b.minute)],
    doubles: [c.appends ?? 0, c.bytesIn ?? 0, c.reads ?? 0, c.bytesOut ?? 0, c.status4xx ?? 0, c.status5xx ?? 0],
  });
}
