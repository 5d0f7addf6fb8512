/**
 * The memory budget per isolate (docs/server.md "Memory budget"), measured in
 * the production shape: the edge Worker and the Durable Objects in two
 * workerd processes (support/split-workers.ts `startSplitProcesses`), so each
 * process's resident memory is one side's alone, not the sum test/memory.test.ts
 * measures. The edge process holds only the edge isolate (and its idle local
 * simulators); the objects process holds the objects and the local R2, KV and
 * queue. Each input's peak growth in each process must stay inside one
 * isolate's budget, but where the objects process runs many objects (the
 * 200-stream tail), which on Cloudflare are spread over their own isolates.
 *
 * Not here: the backlog seal and the 1,000-session fan-out, which run inside
 * the objects (the seal reads the sealed segments back through the edge, whose
 * local R2 is not the objects'; the fan-out's queue is consumed by the objects
 * process here): test/memory.test.ts measures them. Reproduce the table with
 * `cd packages/server && npx vitest run --project workers test/memory-split.test.ts`.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SPLIT_NAMES, startSplitProcesses, type SplitProcesses } from "./support/split-workers.js";
import { measureRssOf, mib, type Growth } from "./support/rss.js";
import { IsolateHeaps } from "./support/isolate-heap.js";
import {
  binaryAppend,
  create,
  jsonArray,
  largeJson,
  MiB,
  post,
  tail200,
  type Measure,
} from "./support/memory-inputs.js";

/** The budget per isolate (an edge's or an object's) beyond the runtime's baseline (docs/server.md). */
const ISOLATE_BUDGET = 64 * MiB;
/**
 * The tail's bound for the whole edge process: the budget plus workerd's
 * buffers for its 400 connections (200 SSE responses, 200 feeds) and the dev
 * registry's proxy isolate, which relays every feed and append to the objects
 * process here (on Cloudflare neither is the edge isolate's). The edge
 * isolate's own heap is held to the budget in the test.
 */
const TAIL_PROCESS_BOUND = ISOLATE_BUDGET + 32 * MiB;

let split: SplitProcesses;
let n = 0;
const rows: { input: string; edge: Growth; objects: Growth }[] = [];
const url = (name: string) => `${split.url}/v1/stream/mem2-${name}-${Date.now().toString(36)}-${++n}`;

beforeAll(async () => {
  split = await startSplitProcesses({
    vars: {
      MAX_APPEND_BYTES: String(32 * MiB),
      LONG_POLL_TIMEOUT_MS: "1500",
      SSE_KEEPALIVE_MS: "1000",
      FEED_LINGER_MS: "500",
      // Nothing seals: the edge's own local R2 is empty, so every read must be of the hot log.
      SEGMENT_MAX_BYTES: String(64 * MiB),
    },
  });
}, 120_000);

afterAll(async () => {
  console.log(
    [
      "| input | edge process | objects process |",
      "|---|---|---|",
      ...rows.map((r) => `| ${r.input} | +${mib(r.edge.growth)} | +${mib(r.objects.growth)} |`),
    ].join("\n"),
  );
  await split?.stop();
});

/** Both processes sampled at once; the edge always held to one isolate's budget, the objects where they are one object. */
const measure: Measure = async (input, kind, fn) => {
  const {
    value,
    rss: [edge, objects],
  } = await measureRssOf([split.edgePid, split.objectsPid], fn);
  rows.push({ input, edge: edge!, objects: objects! });
  if (kind !== "objects") {
    const bound = kind === "tail" ? TAIL_PROCESS_BOUND : ISOLATE_BUDGET;
    expect(edge!.growth, `${input}, edge process: +${mib(edge!.growth)}`).toBeLessThan(bound);
  }
  if (kind === "one") {
    expect(objects!.growth, `${input}, objects process: +${mib(objects!.growth)}`).toBeLessThan(ISOLATE_BUDGET);
  }
  return value;
};

describe("memory budget, edge and objects in separate processes", () => {
  test("the edge reaches the objects in the other process", async () => {
    // A stream created through the edge is the objects process's: its own port reads it.
    const s = url("where");
    expect((await fetch(s, { method: "PUT", headers: { "content-type": "text/plain" }, body: "x" })).status).toBe(201);
    const res = await fetch(s.replace(split.url, split.objectsUrl));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("x");
  });

  test("one 32 MiB binary append", () => binaryAppend(url("bin"), measure), 60_000);

  test(
    "one 24 MiB JSON message, read back with catch-up + SSE at once",
    () => largeJson(url("json"), measure),
    180_000,
  );

  test("one 2 MiB JSON array of 1M one-character elements", () => jsonArray(url("array"), measure), 120_000);

  test("reading a large message back leaves nothing behind in the edge isolate", async () => {
    // The edge once read a large message's rest with one RPC per piece, and its
    // isolate kept every piece it received alive past garbage collection (+16 MiB
    // here per read of a 16 MiB message, released only in batches, up to ~120 MiB
    // seen); the rest now comes as one stream (StreamDO.readRest).
    const s = url("kept");
    await create(s, "application/json");
    const message = `{"blob":"${"k".repeat(16 * MiB - 12)}"}`;
    expect((await post(s, "application/json", message)).status).toBe(204);
    const heaps = await IsolateHeaps.open(split.edgePid, [SPLIT_NAMES.edgeB]);
    const level = async () => (await heaps.sample(true)).get(SPLIT_NAMES.edgeB)!.total;
    const before = await level();
    for (let i = 0; i < 4; i++) {
      const text = await (await fetch(`${s}?offset=-1`, { signal: AbortSignal.timeout(60_000) })).text();
      expect(text.length).toBe(message.length + 2);
    }
    const kept = (await level()) - before;
    rows.push({
      input: "kept by the edge isolate after 4 reads of a 16 MiB message (heap after collection)",
      edge: { before, peak: before + kept, growth: kept },
      objects: { before: 0, peak: 0, growth: 0 },
    });
    expect(kept, `kept +${mib(kept)}`).toBeLessThan(32 * MiB);
  }, 120_000);

  test("one edge isolate tailing 200 busy streams", async () => {
    // The edge isolate's own heap, read with the 200 readers still open (a quiet
    // moment: everything delivered); the process's RSS is held to TAIL_PROCESS_BOUND.
    const heaps = await IsolateHeaps.open(split.edgePid, [SPLIT_NAMES.edgeB]);
    const before = (await heaps.sample(true)).get(SPLIT_NAMES.edgeB)!.total;
    let held = 0;
    await tail200(
      (i) => url(`tail${i}`),
      measure,
      async () => void (held = (await heaps.sample()).get(SPLIT_NAMES.edgeB)!.total - before),
    );
    rows.push({
      input: "the edge isolate's heap holding the 200 tailed streams (all delivered, readers open)",
      edge: { before, peak: before + held, growth: held },
      objects: { before: 0, peak: 0, growth: 0 },
    });
    expect(held, `edge isolate +${mib(held)}`).toBeLessThan(ISOLATE_BUDGET);
  }, 120_000);
});
