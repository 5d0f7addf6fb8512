/**
 * Server-side counts per operation, read from the server's own counters
 * (issue 4: a metrics endpoint). The bench never invents them: a target without
 * counters yields `null`, printed as "n/a". The parser is tolerant about the
 * endpoint's shape (flat or nested JSON, camelCase or snake_case) because the
 * endpoint is being written in parallel; adjust COUNTER_ALIASES when it lands.
 */

/** The counts the cost model needs. */
export const COUNTER_KEYS = [
  "workerRequests",
  "doRequests",
  "sqliteRowsRead",
  "sqliteRowsWritten",
  "r2ClassA",
  "r2ClassB",
  "catalogWrites",
  "metricsFlushes",
] as const;
/** One counter name. */
export type CounterKey = (typeof COUNTER_KEYS)[number];
/** Counter values; a key is absent when the server does not report it. */
export type Counters = Partial<Record<CounterKey, number>>;

// Normalized (lowercase, alphanumeric only, nested keys joined) names accepted for each counter.
const COUNTER_ALIASES: Record<CounterKey, readonly string[]> = {
  workerRequests: ["workerrequests", "edgerequests", "requests", "workerrequeststotal"],
  doRequests: ["dorequests", "streamdorequests", "durableobjectrequests", "streamdorequeststotal"],
  sqliteRowsRead: ["sqliterowsread", "rowsread", "sqlrowsread", "dosqliterowsread"],
  sqliteRowsWritten: ["sqliterowswritten", "rowswritten", "sqlrowswritten", "dosqliterowswritten"],
  r2ClassA: ["r2classa", "r2classaops", "r2classaoperations", "r2opsclassa"],
  r2ClassB: ["r2classb", "r2classbops", "r2classboperations", "r2opsclassb"],
  // Catalog reports the streams' objects sent (per-stream counters) and metrics flushes of the edge isolates.
  catalogWrites: ["catalogwrites"],
  metricsFlushes: ["metricsflushes"],
};

function normalize(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, "");
}

// Registers every numeric leaf under each suffix of its path, so that
// {"counters":{"worker":{"requests":1}}} is found as "workerrequests" too.
function flatten(value: unknown, path: string[], out: Map<string, number>, depth: number): void {
  if (depth > 4 || value === null || typeof value !== "object") return;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const next = [...path, normalize(k)];
    if (typeof v === "number" && Number.isFinite(v)) {
      for (let i = 0; i < next.length; i++) {
        const key = next.slice(i).join("");
        if (!out.has(key)) out.set(key, v);
      }
    } else flatten(v, next, out, depth + 1);
  }
}

/** Extracts known counters from a metrics JSON document; null when none are recognised. */
export function parseCounters(json: unknown): Counters | null {
  const flat = new Map<string, number>();
  flatten(json, [], flat, 0);
  const counters: Counters = {};
  for (const key of COUNTER_KEYS) {
    const hit = COUNTER_ALIASES[key].find((alias) => flat.has(alias));
    if (hit !== undefined) counters[key] = flat.get(hit)!;
  }
  return Object.keys(counters).length > 0 ? counters : null;
}

async function fetchJson(url: string): Promise<unknown> {
  try {
    const headers: Record<string, string> = { accept: "application/json" };
    if (process.env.BENCH_METRICS_TOKEN) headers.authorization = `Bearer ${process.env.BENCH_METRICS_TOKEN}`;
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(5_000) });
    const text = await res.text();
    return res.ok ? (JSON.parse(text) as unknown) : null;
  } catch {
    return null;
  }
}

/** Reads the counters at `url`; null when there is no URL, no endpoint, or nothing recognisable. */
export async function fetchCounters(url: string | undefined): Promise<Counters | null> {
  return url ? parseCounters(await fetchJson(url)) : null;
}

/** One stream's own counters, kept by its Durable Object (`<metricsUrl>/stream/<name>`). */
export interface StreamCounters {
  rowsRead: number;
  rowsWritten: number;
  framesSent: number;
  /** Reports the stream sent to its catalog shard (docs/admin.md). */
  catalogWrites: number;
  /** R2 operations the object made itself (seals, its own reads); the edge counts its own. */
  r2ClassA: number;
  r2ClassB: number;
  /** When the object was constructed: a change means it was evicted and its counters restarted. */
  constructedAt: number;
}

/** Reads one stream's counters; null when the server has no per-stream counters. */
export async function fetchStreamCounters(
  metricsUrl: string | undefined,
  name: string,
): Promise<StreamCounters | null> {
  if (!metricsUrl) return null;
  const j = (await fetchJson(
    `${metricsUrl}/stream/${encodeURIComponent(name)}`,
  )) as Partial<StreamCounters> | null;
  if (!j || typeof j.rowsRead !== "number" || typeof j.rowsWritten !== "number") return null;
  return {
    rowsRead: j.rowsRead,
    rowsWritten: j.rowsWritten,
    framesSent: j.framesSent ?? 0,
    catalogWrites: j.catalogWrites ?? 0,
    r2ClassA: j.r2ClassA ?? 0,
    r2ClassB: j.r2ClassB ?? 0,
    constructedAt: j.constructedAt ?? 0,
  };
}

/**
 * What a stream's object did between two readings. An object evicted in between
 * restarted its counters, so only the later reading counts (a lower bound).
 */
export function streamDelta(
  before: StreamCounters | null | undefined,
  after: StreamCounters,
): StreamCounters {
  if (!before || before.constructedAt !== after.constructedAt) return after;
  return {
    rowsRead: after.rowsRead - before.rowsRead,
    rowsWritten: after.rowsWritten - before.rowsWritten,
    framesSent: after.framesSent - before.framesSent,
    catalogWrites: after.catalogWrites - before.catalogWrites,
    r2ClassA: after.r2ClassA - before.r2ClassA,
    r2ClassB: after.r2ClassB - before.r2ClassB,
    constructedAt: after.constructedAt,
  };
}

/** Per-stream readings of many streams. */
export type StreamReadings = Map<string, StreamCounters>;

/** Reads the counters of every named stream (streams without counters are left out). */
export async function fetchAllStreamCounters(
  metricsUrl: string | undefined,
  names: readonly string[],
): Promise<StreamReadings> {
  const out: StreamReadings = new Map();
  for (const name of names) {
    const c = await fetchStreamCounters(metricsUrl, name);
    if (c) out.set(name, c);
  }
  return out;
}

/**
 * SQLite rows read and written, and the R2 operations the objects made, per op
 * over the streams (after − before); null without readings.
 */
export function rowsPerOp(before: StreamReadings, after: StreamReadings, ops: number): Counters | null {
  if (after.size === 0 || ops <= 0) return null;
  let rowsRead = 0;
  let rowsWritten = 0;
  let catalogWrites = 0;
  let r2ClassA = 0;
  let r2ClassB = 0;
  for (const [name, a] of after) {
    const d = streamDelta(before.get(name), a);
    rowsRead += d.rowsRead;
    rowsWritten += d.rowsWritten;
    catalogWrites += d.catalogWrites;
    r2ClassA += d.r2ClassA;
    r2ClassB += d.r2ClassB;
  }
  return {
    sqliteRowsRead: rowsRead / ops,
    sqliteRowsWritten: rowsWritten / ops,
    catalogWrites: catalogWrites / ops,
    r2ClassA: r2ClassA / ops,
    r2ClassB: r2ClassB / ops,
  };
}

/**
 * The edge's counts per op and the objects' together: R2 operations are
 * counted where they are made (edge isolate or object), so they add up.
 */
export function mergePerOp(edge: Counters | null, objects: Counters | null): Counters | null {
  if (!edge && !objects) return null;
  const out: Counters = { ...edge, ...objects };
  for (const key of ["r2ClassA", "r2ClassB"] as const) {
    if (edge?.[key] !== undefined || objects?.[key] !== undefined)
      out[key] = (edge?.[key] ?? 0) + (objects?.[key] ?? 0);
  }
  return out;
}

/** Per-operation difference between two snapshots; null when either is missing or ops is 0. */
export function countersPerOp(before: Counters | null, after: Counters | null, ops: number): Counters | null {
  if (!before || !after || ops <= 0) return null;
  const out: Counters = {};
  for (const key of COUNTER_KEYS) {
    const a = before[key];
    const b = after[key];
    if (a !== undefined && b !== undefined) out[key] = (b - a) / ops;
  }
  return Object.keys(out).length > 0 ? out : null;
}
