/**
 * Fault test: a separate local Worker is killed (SIGKILL, no shutdown) while
 * a fan-out is in flight, and restarted on the same state. Without any
 * request to the sources, their alarms resume the outbox; every session ends
 * up with every acknowledged message of its sources exactly once, in order,
 * and later publishes keep flowing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { readAll, setFaults } from "./support/estuary.js";
import { expectExactlyOnceInOrder, publishRounds, setUpScenario } from "./support/fanout-check.js";
import { startLocalWorker, type LocalWorker } from "./support/local-worker.js";

const VARS = { ESTUARY_QUEUE_THRESHOLD: "10", DEBUG_ENDPOINTS: "true" };

describe("estuary fan-out survives a killed server", () => {
  const state = mkdtempSync(join(tmpdir(), "ds-estuary-fault-"));
  let worker: LocalWorker | undefined;

  afterAll(async () => {
    await worker?.stop();
    rmSync(state, { recursive: true, force: true });
  });

  test("kill mid-fan-out, restart, publish more: exactly once and in order", async () => {
    worker = await startLocalWorker({ vars: VARS, persistTo: state });
    const s = await setUpScenario(worker.url, "fault");
    // One session's appends hang (a fault switch held in the object's memory,
    // gone after the kill), so the kill is sure to land mid-fan-out: on a quiet
    // machine the other 599 session appends can all be done before it.
    const last = s.sessions[s.sessions.length - 1]!;
    await setFaults(worker.url, last, { hangAppends: 1_000, hangMs: 120_000 });
    await publishRounds(worker.url, s, 0, 10);
    const before = await readAll(`${worker.url}/v1/stream/${last}`);
    await worker.kill();
    // The kill landed mid-fan-out: that session was still owed messages (12 per source, 2 sources).
    expect(before.length).toBeLessThan(24);

    worker = await startLocalWorker({ vars: VARS, persistTo: state });
    // Nothing asks the sources: their alarms resume the outbox on their own.
    await expectExactlyOnceInOrder(worker.url, s, 10, 90_000);
    // And fan-out carries on for later publishes.
    await publishRounds(worker.url, s, 10, 15);
    const total = await expectExactlyOnceInOrder(worker.url, s, 15, 60_000);
    // 15 rounds, every 5th a 2-message batch: 18 messages per source.
    expect(total).toBe(18 * (8 * 3 + 12 * 2));
  }, 150_000);
});
