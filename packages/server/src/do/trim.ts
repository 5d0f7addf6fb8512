/**
 * Trimming a stream's history: whole sealed segments before a position go,
 * together with the stream's retained start. A trim goes through four steps,
 * each idempotent, and the intent recorded first lets the alarm finish one
 * that was interrupted (the object crashed, or R2 failed):
 *
 *   1. intent   — record where the start moves and which segments go (SQLite)
 *   2. start    — move the retained start: reads before it answer 410 from now on;
 *                 then rewrite the head, so the edge leaves those reads to the object
 *   3. rows     — delete the segments' index rows and any hot rows before the start
 *   4. objects  — delete the segments' R2 objects
 *
 * Positions are never reused, so an offset serves the same bytes before and
 * after any step, or 410: never bytes of two generations. An object is deleted
 * only after its row, and its key stays in the intent until it is gone, so none
 * is orphaned. Forks pin history: a source never trims past the start of any
 * fork's history (recorded when the fork attached, raised when the fork
 * trims its own view), so every fork's inherited range stays readable.
 */
import { segmentKey } from "../cold/segment-format.js";
import type { StreamHost } from "./host.js";
import type { StreamMeta } from "./meta.js";
import type { TrimIntent } from "./retention-store.js";
import { writeHead } from "./rotation.js";
import { forkRef } from "./fork-links.js";

/** Steps after which a fault test can interrupt a trim. */
export const TRIM_STEPS = ["intent", "start", "rows", "objects"] as const;
export type TrimStep = (typeof TRIM_STEPS)[number];

/** The alarm job (alarm-schedule.ts) that finishes trims and applies retention limits (do/retention.ts). */
export const RETENTION_JOB = "retention";
/** An interrupted trim is finished from the alarm after this (sooner when the object runs again). */
export const TRIM_RETRY_MS = 2_000;

/** What a trim needs from its Durable Object. */
export type TrimHost = StreamHost;

/** How a trim runs. */
export interface TrimOptions {
  /** Called after each step; a fault test crashes the object there. */
  readonly after?: (step: TrimStep) => Promise<void> | void;
}

/** Finishes an interrupted trim, then trims the segments that end at or before `position`; returns the start. */
export async function trimBefore(host: TrimHost, position: number, opts: TrimOptions = {}): Promise<number> {
  const m = host.meta();
  if (!m) return 0;
  await resumeTrim(host, opts);
  const plan = planTrim(host, m, position);
  if (plan) {
    host.transaction(() => host.retention.recordIntent(m.instance, plan));
    // Durable before any step: a crash or an R2 failure is finished from the alarm.
    host.alarms.schedule(RETENTION_JOB, host.now() + TRIM_RETRY_MS);
    await opts.after?.("intent");
    await finishTrim(host, m, plan, opts);
  }
  return host.retention.start(m.instance);
}

/** Finishes a recorded trim, if one is unfinished. */
export async function resumeTrim(host: TrimHost, opts: TrimOptions = {}): Promise<void> {
  const m = host.meta();
  const t = m && host.retention.intent(m.instance);
  if (m && t) await finishTrim(host, m, t, opts);
}

/**
 * The trim `position` allows: up to the end of the newest sealed segment
 * ending at or before it (a fork's inherited range counts as one segment);
 * null when nothing would go, or forks pin the history.
 */
function planTrim(host: TrimHost, m: StreamMeta, position: number): TrimIntent | null {
  const start = host.retention.start(m.instance);
  // Legacy fork references (a bare count) say nothing about where they read.
  if (m.state !== "live" || m.refCount > 0) return null;
  const cap = host.retention.forkCap();
  if (cap !== null) position = Math.min(position, cap);
  let to = start;
  if (m.forkPosition !== null && m.forkPosition <= position) to = Math.max(to, m.forkPosition);
  let first = -1;
  let last = -1;
  for (const s of host.retention.sealed(m.instance, host.now())) {
    if (s.end > position) break;
    to = Math.max(to, s.end);
    if (first < 0) first = s.seq;
    last = s.seq;
  }
  if (to <= start) return null;
  return { to, first: Math.max(0, first), last };
}

async function finishTrim(host: TrimHost, m: StreamMeta, t: TrimIntent, opts: TrimOptions): Promise<void> {
  const { retention } = host;
  host.transaction(() => retention.moveStart(m.instance, t.to));
  if (m.state === "live" && host.segments.any()) await rewriteHead(host, m);
  await opts.after?.("start");
  host.transaction(() => {
    host.segments.dropTrimmed(t.first, t.last);
    retention.dropRows(m.instance, t);
  });
  await opts.after?.("rows");
  if (t.last >= t.first) await dropObjects(host, m, t);
  await opts.after?.("objects");
  host.transaction(() => retention.clearIntent(m.instance));
  if (m.forkSource !== null && m.forkPosition !== null) await releaseInherited(host, m, Math.min(t.to, m.forkPosition));
}

/**
 * A fork that trimmed its view tells its source it needs less of its history,
 * so the source may trim. Best effort: if the call fails the source keeps
 * more than it must, never less.
 */
async function releaseInherited(host: TrimHost, m: StreamMeta, start: number): Promise<void> {
  try {
    await host.source(m.forkSource!).forkTrimmed(forkRef(m.instance, m.key), start);
  } catch (e) {
    console.error(
      JSON.stringify({ msg: "telling the fork source about a trim failed", stream: m.key, error: String(e) }),
    );
  }
}

/** Rewrites the head with the new start (a pending segment is left out until its seal writes the head). */
async function rewriteHead(host: TrimHost, m: StreamMeta): Promise<void> {
  const newest = host.segments.last();
  await writeHead(host, m, newest ? (newest.sealed ? newest.seq + 1 : newest.seq) : 0);
}

/** Deletes the trimmed segments' objects (deleting a missing key is a no-op, so a retry is safe). */
async function dropObjects(host: TrimHost, m: StreamMeta, t: TrimIntent): Promise<void> {
  const bucket = host.requireBucket();
  const keys: string[] = [];
  for (let seq = t.first; seq <= t.last; seq++) keys.push(segmentKey(host.doId, m.instance, seq));
  for (let i = 0; i < keys.length; i += 1000) await bucket.delete(keys.slice(i, i + 1000));
}
