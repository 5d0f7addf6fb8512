/**
 * Starts the local Workers (real workerd via `wrangler dev`) for the workers
 * test project and hands their URLs to tests through `inject(...)`: the main
 * one, and one that seals every append into an R2 segment (`coldBaseUrl`).
 */
import type { TestProject } from "vitest/node";
import { startLocalWorker, type LocalWorker } from "./support/local-worker.js";
import { openSuiteProjects } from "./support/suite-projects.js";

/** Server settings the tests rely on (short waits keep the suite fast). */
export const TEST_VARS = {
  LONG_POLL_TIMEOUT_MS: "1500",
  SSE_KEEPALIVE_MS: "1000",
  SSE_CLOSE_AFTER_MS: "60000",
  FEED_LINGER_MS: "500",
  DEBUG_ENDPOINTS: "true",
  MAX_APPEND_BYTES: String(4 * 1024 * 1024),
  DEFAULT_PROJECT_OPEN: "true",
  // Root admin secret for the auth tests (test/auth-*.test.ts).
  ADMIN_TOKEN: "test-admin-token-0123456789abcdef0123456789",
  PROJECT_CACHE_TTL_MS: "1000",
  // 256 KiB read chunks keep the byte-exact cold tests quick while crossing many chunk edges.
  MAX_READ_BYTES: String(256 * 1024),
  // Cold storage: 4 MiB / 8000-message segments (test/cold-*.test.ts).
  SEGMENT_MAX_BYTES: String(4 * 1024 * 1024),
  SEGMENT_MAX_MESSAGES: "8000",
  // Fan-outs to more than 10 pending sessions go through the local Queues simulator.
  ESTUARY_QUEUE_THRESHOLD: "10",
  // Catalog stats at most once a second per stream, metrics flushed twice a second (test/catalog-*.test.ts).
  CATALOG_STATS_INTERVAL_MS: "1000",
  METRICS_FLUSH_MS: "500",
  // The conformance suite's webhook receivers listen on 127.0.0.1 (dev-only SSRF exception).
  SUBSCRIPTIONS_ALLOW_LOOPBACK: "true",
} as const;

/** The cold-storage Worker: the tiniest thresholds, so every append crosses into a new segment. */
export const COLD_VARS = {
  ...TEST_VARS,
  SEGMENT_MAX_BYTES: "1",
  SEGMENT_MAX_MESSAGES: "1",
  SEGMENT_HEAD_CACHE_MS: "0",
} as const;

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    coldBaseUrl: string;
    longPollTimeoutMs: number;
    maxAppendBytes: number;
    adminToken: string;
  }
}

let worker: LocalWorker | undefined;
let cold: LocalWorker | undefined;

export async function setup(project: TestProject): Promise<void> {
  const verbose = process.env.DS_VERBOSE === "1";
  [worker, cold] = await Promise.all([
    startLocalWorker({ vars: TEST_VARS, verbose }),
    startLocalWorker({ vars: COLD_VARS, verbose }),
  ]);
  await Promise.all([worker, cold].map((w) => openSuiteProjects(w.url, TEST_VARS.ADMIN_TOKEN)));
  project.provide("baseUrl", worker.url);
  project.provide("coldBaseUrl", cold.url);
  project.provide("longPollTimeoutMs", Number(TEST_VARS.LONG_POLL_TIMEOUT_MS));
  project.provide("maxAppendBytes", Number(TEST_VARS.MAX_APPEND_BYTES));
  project.provide("adminToken", TEST_VARS.ADMIN_TOKEN);
}

export async function teardown(): Promise<void> {
  await Promise.all([worker?.stop(), cold?.stop()]);
}
