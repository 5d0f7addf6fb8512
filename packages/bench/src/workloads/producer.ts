/**
 * Idempotent-producer batched appends with the official client
 * (`@durable-streams/client` IdempotentProducer): the way a real application
 * writes at volume. The client batches (linger 5 ms, up to 5 batches in flight);
 * the figure is messages per second, and the latency is per batch request.
 */
import { DurableStream, IdempotentProducer } from "@durable-streams/client";
import { createStream, sleep, streamUrl } from "../http.ts";
import { summarize, throughput } from "../stats.ts";
import type { Workload } from "./types.ts";

const CT = "application/json";

/** A ~100-byte JSON event. */
function message(i: number): string {
  return JSON.stringify({ type: "bench.event", seq: i, payload: "x".repeat(52 - String(i).length) });
}

/** Official-client IdempotentProducer writing ~100-byte JSON messages as fast as it can. */
export const producerBatched: Workload = {
  id: "producer-batched",
  title: "Idempotent producer, batched ~100 B JSON messages (official client)",
  opUnit: "message",
  throughputUnit: "msg/s",
  primary: "throughput",
  kinds: ["edge", "reference"],
  async run(ctx) {
    const url = streamUrl(ctx.target.baseUrl, `${ctx.runId}-producer`);
    await createStream(url, CT);
    await ctx.measureFrom();
    const batchMs: number[] = [];
    let requests = 0;
    // Wrapping fetch lets us time each batch request without changing the client.
    const timedFetch: typeof fetch = async (input, init) => {
      const start = performance.now();
      requests++;
      const res = await fetch(input, init);
      batchMs.push(performance.now() - start);
      return res;
    };
    const errors: Error[] = [];
    const stream = new DurableStream({ url, contentType: CT, fetch: timedFetch, warnOnHttp: false });
    const producer = new IdempotentProducer(stream, `bench-${ctx.runId}`, {
      fetch: timedFetch,
      onError: (e) => errors.push(e),
    });
    const total = ctx.size.quick ? 5_000 : 40_000;
    const burst = 250;
    const deadline = Date.now() + (ctx.size.quick ? 15_000 : 45_000);
    const start = performance.now();
    let sent = 0;
    while (sent < total && Date.now() < deadline && errors.length === 0) {
      for (let i = 0; i < burst && sent < total; i++) producer.append(message(sent++));
      // Yield so batches go out while the application keeps producing.
      await sleep(0);
      if (sent % 5_000 === 0) ctx.progress(`${sent}/${total} queued`);
    }
    await producer.flush();
    const elapsedMs = performance.now() - start;
    await producer.detach();
    if (errors.length > 0) throw new Error(`producer error: ${errors[0]!.message}`);
    const notes = [`${(sent / Math.max(requests, 1)).toFixed(0)} messages per batch request on average`];
    if (sent < total) notes.push(`time budget hit after ${sent}/${total} messages`);
    return {
      ops: sent,
      elapsedMs,
      throughput: throughput(sent, elapsedMs),
      latency: summarize(batchMs),
      requests,
      notes,
    };
  },
};
