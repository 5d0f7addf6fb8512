/**
 * SSE reconnects across the server's close interval (the suite is
 * test/support/sse-reconnect-suite.ts), against a Worker of its own that ends
 * every SSE connection after a second.
 */
import { afterAll, beforeAll } from "vitest";
import { TEST_VARS } from "./global-setup.js";
import { startLocalWorker, type LocalWorker } from "./support/local-worker.js";
import { SSE_RECONNECT_CLOSE_AFTER_MS, sseReconnectSuite } from "./support/sse-reconnect-suite.js";

let worker: LocalWorker;

beforeAll(async () => {
  worker = await startLocalWorker({ vars: { ...TEST_VARS, SSE_CLOSE_AFTER_MS: String(SSE_RECONNECT_CLOSE_AFTER_MS) } });
}, 90_000);

afterAll(async () => {
  await worker?.stop();
});

sseReconnectSuite(() => worker.url);
