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
  DEBUG_ENDPOINTS: "true",
  MAX_APPEND_BYTES: String(4 * 1024 * 1024),
} as const;

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    longPollTimeoutMs: number;
    maxAppendBytes: number;
  }
}

let worker: LocalWorker | undefined;

export async function setup(project: TestProject): Promise<void> {
  worker = await startLocalWorker({ vars: TEST_VARS, verbose: process.env.DS_VERBOSE === "1" });
  project.provide("baseUrl", worker.url);
  project.provide("longPollTimeoutMs", Number(TEST_VARS.LONG_POLL_TIMEOUT_MS));
  project.provide("maxAppendBytes", Number(TEST_VARS.MAX_APPEND_BYTES));
}

export async function teardown(): Promise<void> {
  await worker?.stop();
}
