/**
 * Starts one local Worker (real workerd via `wrangler dev`) for the workers
 * test project and hands its URL to tests through `inject("baseUrl")`.
 */
import type { TestProject } from "vitest/node";
import { startLocalWorker, type LocalWorker } from "./support/local-worker.js";

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
  // Fan-outs to more than 10 pending sessions go through the local Queues simulator.
  ESTUARY_QUEUE_THRESHOLD: "10",
} as const;

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    longPollTimeoutMs: number;
    maxAppendBytes: number;
    adminToken: string;
  }
}

let worker: LocalWorker | undefined;

export async function setup(project: TestProject): Promise<void> {
  worker = await startLocalWorker({ vars: TEST_VARS, verbose: process.env.DS_VERBOSE === "1" });
  project.provide("baseUrl", worker.url);
  project.provide("longPollTimeoutMs", Number(TEST_VARS.LONG_POLL_TIMEOUT_MS));
  project.provide("maxAppendBytes", Number(TEST_VARS.MAX_APPEND_BYTES));
  project.provide("adminToken", TEST_VARS.ADMIN_TOKEN);
}

export async function teardown(): Promise<void> {
  await worker?.stop();
}
