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

/** Reads the counters at `url`; null when there is no URL, no endpoint, or nothing recognisable. */
export async function fetchCounters(url: string | undefined): Promise<Counters | null> {
  if (!url) return null;
  try {
    const headers: Record<string, string> = { accept: "application/json" };
    if (process.env.BENCH_METRICS_TOKEN) headers.authorization = `Bearer ${process.env.BENCH_METRICS_TOKEN}`;
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(5_000) });
    const text = await res.text();
    if (!res.ok) return null;
    return parseCounters(JSON.parse(text));
  } catch {
    return null;
  }
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
