/**
 * The official conformance suite again, against a Worker that seals every
 * append into an R2 segment: every test's reads cross segment boundaries and
 * stitch R2 with the hot log.
 */
import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { inject } from "vitest";

runConformanceTests({
  baseUrl: inject("coldBaseUrl"),
  longPollTimeoutMs: inject("longPollTimeoutMs") + 2_000,
  subscriptions: true,
});
