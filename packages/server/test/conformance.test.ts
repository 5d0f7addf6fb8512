/**
 * The official conformance suite (@durable-streams/server-conformance-tests,
 * pinned) against the local Worker, the reserved subscription APIs included.
 */
import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { inject } from "vitest";

runConformanceTests({
  baseUrl: inject("baseUrl"),
  // The suite's own waits must outlast the server's long-poll timeout.
  longPollTimeoutMs: inject("longPollTimeoutMs") + 2_000,
  subscriptions: true,
});
