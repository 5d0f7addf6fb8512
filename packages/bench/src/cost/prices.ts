/**
 * Cloudflare's published list prices (Workers Paid, USD), as known on
 * PRICES_DATE. They change: check them against the pricing pages before
 * quoting a figure. The cost model prices usage at these unit rates and
 * ignores the included monthly allowances and the $5 plan minimum, so a
 * scenario's figure is its marginal cost on an account already past them.
 */

/** The day these prices were taken (and must be re-checked after). */
export const PRICES_DATE = "2026-11-22";

/** One priced unit: `usd` per `per` units of `unit`. */
export interface Price {
  readonly usd: number;
  readonly per: number;
  readonly unit: string;
  /** Monthly allowance on Workers Paid (documented, not deducted). */
  readonly included: string;
  readonly source: string;
}

/** The single price table used by the cost model and printed in docs/benchmarks.md. */
export const PRICES = {
  workerRequests: {
    usd: 0.3,
    per: 1e6,
    unit: "Worker requests",
    included: "10 M/month",
    source: "Workers pricing (Standard)",
  },
  workerCpuMs: {
    usd: 0.02,
    per: 1e6,
    unit: "Worker CPU ms",
    included: "30 M CPU-ms/month",
    source: "Workers pricing (Standard)",
  },
  doRequests: {
    usd: 0.15,
    per: 1e6,
    unit: "DO requests (HTTP, RPC, alarms)",
    included: "1 M/month",
    source: "Durable Objects pricing",
  },
  doWsMessagesIn: {
    usd: 0.15,
    per: 20e6,
    unit: "incoming DO WebSocket messages (billed 20:1 as requests)",
    included: "(in requests)",
    source: "Durable Objects pricing",
  },
  doGbSeconds: {
    usd: 12.5,
    per: 1e6,
    unit: "DO duration GB-s (128 MB per active object)",
    included: "400,000 GB-s/month",
    source: "Durable Objects pricing",
  },
  sqliteRowsRead: {
    usd: 0.001,
    per: 1e6,
    unit: "DO SQLite rows read",
    included: "25 B/month",
    source: "Durable Objects SQLite storage pricing",
  },
  sqliteRowsWritten: {
    usd: 1.0,
    per: 1e6,
    unit: "DO SQLite rows written",
    included: "50 M/month",
    source: "Durable Objects SQLite storage pricing",
  },
  sqliteStorageGbMonth: {
    usd: 0.2,
    per: 1,
    unit: "DO SQLite storage GB-month",
    included: "5 GB-month",
    source: "Durable Objects SQLite storage pricing",
  },
  r2ClassA: {
    usd: 4.5,
    per: 1e6,
    unit: "R2 Class A ops (writes, lists)",
    included: "1 M/month",
    source: "R2 pricing (Standard)",
  },
  r2ClassB: {
    usd: 0.36,
    per: 1e6,
    unit: "R2 Class B ops (reads)",
    included: "10 M/month",
    source: "R2 pricing (Standard)",
  },
  r2StorageGbMonth: {
    usd: 0.015,
    per: 1,
    unit: "R2 storage GB-month",
    included: "10 GB-month",
    source: "R2 pricing (Standard)",
  },
  queueOps: {
    usd: 0.4,
    per: 1e6,
    unit: "Queues operations (64 KB write/read/delete)",
    included: "1 M/month",
    source: "Queues pricing",
  },
  cdnRequests: {
    usd: 0,
    per: 1e6,
    unit: "CDN cache hits (collapsed reads)",
    included: "unmetered",
    source: "Cloudflare CDN: no charge for cached traffic",
  },
} as const satisfies Record<string, Price>;

/** A priced usage dimension. */
export type PriceKey = keyof typeof PRICES;

/** Memory a Durable Object is billed at while active (GB). */
export const DO_BILLED_GB = 0.128;
