/**
 * Fan-out at scale against the local Worker: 3 sources × 20 sessions with
 * interleaved publishes; sources with more pending sessions than the queue
 * threshold (10 in the tests) go through the local Queues simulator.
 */
import { describe, expect, test } from "vitest";
import { baseUrl, readAll, sourceStats } from "./support/estuary.js";
import { expectExactlyOnceInOrder, publishRounds, published, setUpScenario } from "./support/fanout-check.js";

type Metrics = Record<string, number>;
const metrics = async (): Promise<Metrics> => (await (await fetch(`${baseUrl()}/v1/metrics`)).json()) as Metrics;
const sourceCounters = async (src: string) =>
  (await (await fetch(`${baseUrl()}/v1/metrics/stream/${src}`)).json()) as { fanout: Metrics };

describe("estuary fan-out", () => {
  test("3 sources × 20 sessions: every session holds every message of its sources once, in source order", async () => {
    const base = baseUrl();
    const s = await setUpScenario(base, `fan-${Date.now().toString(36)}`);
    const before = await metrics();
    await publishRounds(base, s, 0, 20);
    const total = await expectExactlyOnceInOrder(base, s, 20);
    // The sources hold exactly what was published (the helper's expectation is right).
    for (const src of s.sources) expect(await readAll(`${base}/v1/stream/${src}`)).toEqual(published(src, 20));
    // 20 rounds, every 5th a 2-message batch: 24 messages per source; 8 sessions × 3 sources + 12 × 2.
    expect(total).toBe(24 * (8 * 3 + 12 * 2));
    const after = await metrics();
    // The two 20-session sources went through the queue, many sessions per message (fewer messages
    // than hand-offs of single sessions would be); the 8-session source was delivered inline.
    // Each source's own StreamDO counts the queue messages it sent.
    let sent = 0;
    for (const src of s.sources) sent += (await sourceCounters(src)).fanout.queueSent!;
    expect(sent).toBeGreaterThanOrEqual(2);
    expect(after.estuaryQueueBatches!).toBeGreaterThan(before.estuaryQueueBatches!);
    expect(after.estuaryConsumerSubrequestsMax!).toBeLessThanOrEqual(1000);
    // Every outbox row was acknowledged by every subscriber and trimmed.
    for (const src of s.sources) {
      const deadline = Date.now() + 10_000;
      let st = await sourceStats(base, src);
      while (st.estuary.outboxRows !== 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        st = await sourceStats(base, src);
      }
      expect(st.estuary.outboxRows, src).toBe(0);
      expect(st.estuary.subscribers, src).toBe(src.endsWith("-c") ? 8 : 20);
    }
  }, 120_000);
});
