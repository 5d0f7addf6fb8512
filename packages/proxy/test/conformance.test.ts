/**
 * The official conformance suite (@durable-streams/server-conformance-tests,
 * pinned) through nginx in front of the local Worker: every protocol request
 * and response crosses the proxy exactly as it would behind the CDN, the
 * reserved subscription APIs included.
 */
import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { inject } from "vitest";

runConformanceTests({
  baseUrl: inject("proxyUrl"),
  // The suite's own waits must outlast the server's long-poll timeout plus the extra hop.
  longPollTimeoutMs: inject("proxyLongPollTimeoutMs") + 2_500,
  subscriptions: true,
});
